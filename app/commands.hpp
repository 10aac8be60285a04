#pragma once
// The subcommands of the `actrec` CLI. Each parses its flags, builds a config and calls the
// library.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "actrec/config/config.hpp"

namespace actrec::cli {

/// Options every subcommand shares.
struct Context {
  bool verbose = false;
  bool quiet = false;
  int threads = -1;                    ///< -1: from the config
  std::vector<std::string> overrides;  ///< --set KEY=VALUE, in order

  /// `path` (may be empty) with the command line's overrides applied.
  config::Config load_config(const std::string& path) const;
};

/// A subcommand and what runs when it was chosen; `run` returns the process exit code.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

std::vector<Command> add_probe_command(CLI::App& parent, Context& context);
std::vector<Command> add_config_command(CLI::App& parent, Context& context);
std::vector<Command> add_import_tfjs_command(CLI::App& parent, Context& context);
std::vector<Command> add_extract_command(CLI::App& parent, Context& context);
std::vector<Command> add_bench_command(CLI::App& parent, Context& context);
std::vector<Command> add_data_command(CLI::App& parent, Context& context);
std::vector<Command> add_train_command(CLI::App& parent, Context& context);
std::vector<Command> add_eval_command(CLI::App& parent, Context& context);
std::vector<Command> add_label_command(CLI::App& parent, Context& context);
std::vector<Command> add_live_command(CLI::App& parent, Context& context);

}  // namespace actrec::cli
