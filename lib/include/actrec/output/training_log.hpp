#pragma once
// A training run's figures as files: train_log.csv and train_curves.png (loss, accuracy and
// gradient norm per epoch), written atomically.
#include <string>
#include <vector>

#include "actrec/train/train_state.hpp"

namespace actrec::output {

void write_training_log(const std::string& run_dir, const std::vector<train::EpochLog>& log);

}  // namespace actrec::output
