// Every example in the user documentation runs: the ```sh and ```python blocks of README.md and
// docs/*.md, page by page in order, in a fresh directory where `build` and `experiments` point at
// this build and the source tree (so the documented command lines run verbatim). A block fenced
// ```sh no-run (the fresh-machine `make` commands) is shown, not run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/run.hpp"

namespace fs = std::filesystem;

namespace {

struct Block {
  std::string lang, text;
  int line = 0;
};

std::vector<Block> blocks_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<Block> out;
  const std::regex fence(R"(^(\s*)```(\S*)(.*)$)");
  std::string line;
  int n = 0;
  bool inside = false, keep = false;
  std::size_t indent = 0;
  Block cur;
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    if (std::regex_match(line, m, fence)) {
      if (!inside) {
        inside = true;
        indent = m[1].length();
        cur = Block{m[2].str(), "", n + 1};
        keep = (cur.lang == "sh" || cur.lang == "python") && m[3].str().find("no-run") == std::string::npos;
      } else {
        inside = false;
        if (keep) out.push_back(cur);
      }
      continue;
    }
    if (inside) cur.text += (line.size() >= indent ? line.substr(indent) : line) + "\n";
  }
  return out;
}

std::vector<std::string> pages() {
  std::vector<std::string> p{"README.md"};
  for (const auto& e : fs::directory_iterator(std::string(FMKIT_SOURCE_DIR) + "/docs"))
    if (e.path().extension() == ".md") p.push_back("docs/" + e.path().filename().string());
  std::sort(p.begin(), p.end());
  return p;
}

class DocsExamples : public ::testing::TestWithParam<std::string> {};

TEST_P(DocsExamples, EveryExampleRuns) {
  const std::string page = GetParam();
  const auto blocks = blocks_of(std::string(FMKIT_SOURCE_DIR) + "/" + page);
  std::string name = page;
  std::replace(name.begin(), name.end(), '/', '_');
  const fs::path dir = fmtest::scratch("docs_" + name);
  fs::create_directories(dir);
  fs::create_symlink(fs::path(FMKIT_BIN_DIR).parent_path(), dir / "build");
  fs::create_symlink(fs::path(FMKIT_SOURCE_DIR) / "experiments", dir / "experiments");
  int k = 0;
  for (const Block& b : blocks) {
    const std::string script = (dir / ("block" + std::to_string(k++) + (b.lang == "sh" ? ".sh" : ".py"))).string();
    std::ofstream(script) << b.text;
    const std::string cmd = "cd " + dir.string() + " && " +
                            (b.lang == "sh" ? "bash -euo pipefail " : "/usr/bin/python3 ") + script + " > " + script +
                            ".out 2>&1";
    const int status = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << page << ":" << b.line << " (" << b.lang << ") failed:\n" << b.text << "--- output:\n"
        << fmtest::slurp(script + ".out");
  }
  if (page.rfind("docs/fm-", 0) == 0) {
    EXPECT_GT(blocks.size(), 0u) << page << " has no runnable example";
  }
}

INSTANTIATE_TEST_SUITE_P(Pages, DocsExamples, ::testing::ValuesIn(pages()), [](const auto& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
});

}  // namespace
