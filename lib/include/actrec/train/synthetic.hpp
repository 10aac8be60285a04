#pragma once
// Synthetic sequence tasks with a known answer, for tests and for measuring what the theory
// says about recurrent cells, truncated BPTT and clipping.
#include "actrec/train/trainer.hpp"

namespace actrec::train {

/// A cue (one of `classes`) shows in a single frame among the first 10; every frame at least
/// `delay` frames after it must be labelled with the cue, earlier frames are not scored.
/// Features: the cue as one-hot on its frame, plus two channels of noise on every frame.
std::vector<Sequence> delayed_cue_task(int count, int length, int delay, int classes,
                                       uint64_t seed);

/// Random features and labels of a given size, for timing.
std::vector<Sequence> random_sequences(int count, int length, int dim, int classes, uint64_t seed);

}  // namespace actrec::train
