#include <signal.h>

#include <cstdlib>
#include <iostream>

#include "actrec/annotate/annotate_server.hpp"
#include "actrec/core/log.hpp"
#include "actrec/core/model_paths.hpp"
#include "actrec/core/threads.hpp"
#include "commands.hpp"

namespace actrec::cli {
namespace {

struct AnnotateCommandOptions {
  annotate::AnnotateOptions annotate;
  std::string persons;
};

int run_annotate(AnnotateCommandOptions options, const Context& context) {
  options.annotate.config = context.load_config("", persons_override(options.persons));
  set_torch_threads(options.annotate.config.runtime.threads);
  if (const char* token = std::getenv("ACTREC_SERVE_TOKEN")) options.annotate.token = token;
  // Blocked before the server's threads start (they inherit the mask), so that only this
  // thread takes them, in sigwait.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  annotate::AnnotateServer server(options.annotate);
  log::info("serving the annotate page at {}", server.url());
  std::cout << server.url() << std::endl;
  int signal = 0;
  sigwait(&stop, &signal);
  log::info("stopping");
  return 0;
}

}  // namespace

std::vector<Command> add_annotate_command(CLI::App& parent, Context& context) {
  auto options = std::make_shared<AnnotateCommandOptions>();
  options->annotate.bundle = kDefaultBundle;
  auto* app = parent.add_subcommand(
      "annotate", "Serve a page to see, correct and train on the labels of a folder of videos");
  app->add_option("folder", options->annotate.folder,
                  "Folder of videos; actrec keeps its labels, annotations and models in "
                  "FOLDER/.actrec/")
      ->required()
      ->type_name("DIR");
  app->add_option("--model", options->annotate.bundle,
                  "Bundle that labels the videos and that the train button fine-tunes")
      ->type_name("BUNDLE")
      ->capture_default_str();
  app->add_option("--serve", options->annotate.serve,
                  "[ADDR:]PORT to serve the page on (ADDR 127.0.0.1 unless given; PORT 0: any "
                  "free port). Beyond loopback every request needs a token: $ACTREC_SERVE_TOKEN, "
                  "or one made up and printed in the page's address")
      ->type_name("[ADDR:]PORT")
      ->capture_default_str();
  add_persons_option(*app, options->persons);
  return {{app, [options, &context] { return run_annotate(*options, context); }}};
}

}  // namespace actrec::cli
