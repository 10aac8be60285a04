#include "actrec/convert/tfjs_to_torchscript.hpp"

#include "generator.hpp"

namespace actrec::convert {

torch::jit::Module convert_tfjs(const TfjsGraph& graph, const ImportOptions& options,
                                ImportReport* report) {
  if (options.people > 0) {
    TfjsGraph rewritten = graph;
    decode_people(rewritten, options.people);
    detail::Generator generator(rewritten, options);
    return generator.build(report);
  }
  detail::Generator generator(graph, options);
  return generator.build(report);
}

}  // namespace actrec::convert
