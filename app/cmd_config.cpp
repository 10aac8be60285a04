#include <iostream>

#include "commands.hpp"

namespace actrec::cli {

std::vector<Command> add_config_command(CLI::App& parent, Context& context) {
  auto* app = parent.add_subcommand("config", "Inspect configuration files");
  app->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  auto* show = app->add_subcommand(
      "show", "Print the effective config (defaults filled in, --set applied) as YAML");
  show->add_option("file", *path, "A config file, e.g. configs/backbones/centernet.yaml (none: the built-in defaults)")->type_name("FILE");
  return {{app, nullptr}, {show, [path, &context] {
                             std::cout << config::to_yaml(context.load_config(*path));
                             return 0;
                           }}};
}

}  // namespace actrec::cli
