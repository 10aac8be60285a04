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

  /// `path` (may be empty: the built-in defaults) with the command line's overrides applied,
  /// then `extra` ones (from a command's own flags).
  config::Config load_config(const std::string& path,
                             const std::vector<std::string>& extra = {}) const;
  /// Whether --set changed a smoothing.* key: then it replaces a bundle's own smoothing.
  bool sets_smoothing() const;
  /// Says (a warning each) which --set keys a command that runs a trained bundle ignores: those
  /// under `sections` (e.g. "model."), which the bundle fixes.
  void warn_fixed_by_bundle(const std::string& bundle,
                            const std::vector<std::string>& sections) const;
};

/// --persons single|multi on `app` (left empty: people.persons from the config).
void add_persons_option(CLI::App& app, std::string& persons);
/// The config override a --persons value stands for (none when it was not given).
std::vector<std::string> persons_override(const std::string& persons);

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
std::vector<Command> add_data_import_command(CLI::App& data, Context& context);
std::vector<Command> add_train_command(CLI::App& parent, Context& context);
std::vector<Command> add_eval_command(CLI::App& parent, Context& context);
std::vector<Command> add_calibrate_command(CLI::App& parent, Context& context);
std::vector<Command> add_label_command(CLI::App& parent, Context& context);
std::vector<Command> add_live_command(CLI::App& parent, Context& context);
std::vector<Command> add_annotate_command(CLI::App& parent, Context& context);

}  // namespace actrec::cli
