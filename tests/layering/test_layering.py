"""The library's folder order (../shared/DESIGN.md, "Layout"), enforced: a file under lib/fmkit/F
may include only fmkit headers from F itself or from folders listed before F. A new folder must
be placed in ORDER, or this test fails naming it."""
import pathlib
import re
import unittest

ORDER = ["core", "io", "dist", "path", "nn", "field", "ot", "coupling", "integrate", "metrics",
         "bounds", "train", "study", "sweep"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"fmkit/([^/"]+)/[^"]+"', re.MULTILINE)


def violations(files):
    """(file, included folder) pairs that go against ORDER; `files` maps 'folder/name' to text."""
    out = []
    for name, text in sorted(files.items()):
        folder = name.split("/")[0]
        if folder not in ORDER:
            out.append((name, f"folder '{folder}' is not in the layering order"))
            continue
        for dep in INCLUDE.findall(text):
            if dep not in ORDER:
                out.append((name, f"includes unknown folder '{dep}'"))
            elif ORDER.index(dep) > ORDER.index(folder):
                out.append((name, f"includes {dep}/, which comes after {folder}/"))
    return out


class Layering(unittest.TestCase):
    def test_library_includes_follow_the_folder_order(self):
        root = pathlib.Path(__file__).resolve().parents[2] / "lib" / "fmkit"
        files = {str(p.relative_to(root)): p.read_text()
                 for p in root.rglob("*") if p.suffix in (".hpp", ".cpp")}
        self.assertGreater(len(files), 100)
        self.assertEqual(violations(files), [])

    def test_a_backward_include_is_caught(self):
        files = {"nn/mlp.hpp": '#include "fmkit/core/types.hpp"\n#include "fmkit/train/trainer.hpp"\n',
                 "core/rng.cpp": '#include "fmkit/core/rng.hpp"\n',
                 "extra/x.cpp": ''}
        found = violations(files)
        self.assertEqual(found, [("extra/x.cpp", "folder 'extra' is not in the layering order"),
                                 ("nn/mlp.hpp", "includes train/, which comes after nn/")])


if __name__ == "__main__":
    unittest.main()
