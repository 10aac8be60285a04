#include "actrec/core/batch.hpp"

namespace actrec {

BatchReport run_batch(const std::vector<std::string>& inputs,
                      const std::function<void(const std::string&, size_t)>& work,
                      const std::function<void(const std::string&, const Error&)>& on_error) {
  BatchReport report;
  for (size_t i = 0; i < inputs.size(); ++i) {
    try {
      work(inputs[i], i);
      ++report.done;
    } catch (const Error& error) {
      ++report.failed;
      if (report.exit_code == 0) report.exit_code = static_cast<int>(error.exit_code());
      if (on_error) on_error(inputs[i], error);
    }
  }
  return report;
}

}  // namespace actrec
