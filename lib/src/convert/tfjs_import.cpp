#include "actrec/convert/tfjs_import.hpp"

#include <fmt/format.h>

#include <sstream>

#include "actrec/convert/tfjs_to_torchscript.hpp"
#include "actrec/core/atomic_file.hpp"
#include "actrec/core/error.hpp"

namespace actrec::convert {

ImportReport import_tfjs(const std::string& model_json, const std::string& out_path,
                         const ImportOptions& options) {
  const TfjsGraph graph = load_tfjs_graph(model_json);
  ImportReport report;
  torch::jit::Module module = convert_tfjs(graph, options, &report);
  // Saved through a stream: a file save names the archive after the (temporary) file, and the
  // same model must give the same bytes, since its hash identifies the features it makes.
  std::ostringstream bytes;
  try {
    module.save(bytes);
  } catch (const c10::Error& e) {
    throw Error("cannot write " + out_path + ": " + e.what_without_backtrace());
  }
  write_text_atomically(out_path, bytes.str());
  return report;
}


}  // namespace actrec::convert
