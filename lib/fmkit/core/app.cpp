#include "fmkit/core/app.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "fmkit/core/allocator.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/output_path.hpp"
#include "fmkit/core/threads.hpp"

namespace fm {

void add_common_flags(CLI::App& app, CommonFlags& flags, bool with_out) {
  app.add_option("--config", flags.config_file, "JSON config file")->check(CLI::ExistingFile);
  app.add_option("--set", flags.sets, "dotted override key.path=value (repeatable)")->take_all();
  app.add_flag("--dump-config", flags.dump_config, "print the resolved config as JSON, check it and exit");
  add_run_flags(app, flags, with_out);
}

void add_run_flags(CLI::App& app, CommonFlags& flags, bool with_out) {
  app.add_option("--threads", flags.threads, "threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  app.add_flag("--json", flags.json, "print the run summary as one JSON object on stdout");
  if (with_out) {
    app.add_option("--out", flags.out, "output HDF5 file (an existing file is refused unless --force)");
    app.add_flag("--force", flags.force, "replace an existing --out file (never one of the run's inputs)");
  }
}

cfg::json resolve_config(const cfg::json& defaults, const CommonFlags& flags,
                         const std::set<std::string>& opaque,
                         const std::function<void(cfg::json&)>& apply_flags) {
  cfg::json user = flags.config_file.empty() ? cfg::json::object() : cfg::load_file(flags.config_file);
  if (!user.is_object()) usage_error("config file '" + flags.config_file + "': expected a JSON object");
  if (apply_flags) apply_flags(user);
  for (const auto& s : flags.sets) cfg::apply_override(user, s);
  set_threads(flags.threads);
  cfg::json merged = cfg::merge_strict(defaults, user, opaque);
  if (!flags.dump_config) {
    std::vector<std::string> inputs = file_paths_in(merged);
    if (!flags.config_file.empty()) inputs.push_back(flags.config_file);
    check_output_path(flags.out, inputs, "--out", flags.force);
  }
  return merged;
}

CLI::Validator finite_number() {
  return CLI::Validator(
      [](std::string& v) {
        const double x = std::strtod(v.c_str(), nullptr);  // CLI11 refuses what does not convert
        return std::isfinite(x) ? std::string() : "expected a finite number, got " + v;
      },
      "FINITE");
}

bool parse_cli(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e);
    return false;
  } catch (const CLI::CallForAllHelp& e) {
    app.exit(e);
    return false;
  }
  return true;
}

std::string command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i) s += ' ';
    s += argv[i];
  }
  return s;
}

int run_main(const std::string& name, const std::function<int()>& body) {
  keep_freed_memory();
  try {
    return body();
  } catch (const CLI::ParseError& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return 2;
  } catch (const Error& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::cerr << name << ": error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace fm
