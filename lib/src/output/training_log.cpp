#include "actrec/output/training_log.hpp"

#include <fmt/format.h>

#include "actrec/core/atomic_file.hpp"
#include "actrec/output/chart.hpp"

namespace actrec::output {

void write_training_log(const std::string& run_dir, const std::vector<train::EpochLog>& log) {
  std::string csv =
      "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,grad_norm_mean,grad_norm_max,"
      "clipped_fraction,frames_per_second,seconds,best\n";
  std::vector<double> train_loss, val_loss, train_acc, val_acc, grad_mean, grad_max;
  for (const auto& e : log) {
    csv += fmt::format(
        "{},{:.6g},{:.6f},{:.6f},{:.6f},{:.6f},{:.6g},{:.6g},{:.4f},{:.1f},{:.3f},{}\n", e.epoch,
        e.lr, e.train_loss, e.train_accuracy, e.val_loss, e.val_accuracy, e.grad_norm_mean,
        e.grad_norm_max, e.clipped_fraction, e.frames_per_second, e.seconds, e.best ? 1 : 0);
    train_loss.push_back(e.train_loss);
    val_loss.push_back(e.val_loss);
    train_acc.push_back(e.train_accuracy);
    val_acc.push_back(e.val_accuracy);
    grad_mean.push_back(e.grad_norm_mean);
    grad_max.push_back(e.grad_norm_max);
  }
  write_text_atomically(run_dir + "/train_log.csv", csv);
  const cv::Scalar blue(200, 90, 30), orange(30, 130, 240);
  write_png(run_dir + "/train_curves.png",
            stack({line_chart("loss", {{"train", train_loss, blue}, {"val", val_loss, orange}}),
                   line_chart("frame accuracy", {{"train", train_acc, blue}, {"val", val_acc, orange}}),
                   line_chart("gradient norm before clipping (log)",
                              {{"mean", grad_mean, blue}, {"max", grad_max, orange}}, {640, 220},
                              true)}));
}

}  // namespace actrec::output
