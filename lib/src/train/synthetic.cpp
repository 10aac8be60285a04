#include "actrec/train/synthetic.hpp"

#include <random>

namespace actrec::train {

std::vector<Sequence> delayed_cue_task(int count, int length, int delay, int classes,
                                       uint64_t seed) {
  std::mt19937_64 rng(seed);
  torch::manual_seed(seed);
  std::uniform_int_distribution<int> cue_class(0, classes - 1), cue_frame(0, 9);
  std::vector<Sequence> videos;
  for (int i = 0; i < count; ++i) {
    const int cue = cue_class(rng), at = cue_frame(rng);
    auto features = torch::zeros({length, classes + 2});
    features.slice(1, classes).normal_(0, 1);
    features[at][cue] = 1.0;
    auto targets = torch::full({length}, -1, torch::kInt64);
    if (at + delay < length) targets.slice(0, at + delay).fill_(cue);
    videos.push_back({features, targets, "cue" + std::to_string(i)});
  }
  return videos;
}

std::vector<Sequence> random_sequences(int count, int length, int dim, int classes, uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<Sequence> videos;
  for (int i = 0; i < count; ++i) {
    videos.push_back({torch::randn({length, dim}), torch::randint(0, classes, {length}, torch::kInt64),
                      "random" + std::to_string(i)});
  }
  return videos;
}

}  // namespace actrec::train
