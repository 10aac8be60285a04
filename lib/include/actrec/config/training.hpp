#pragma once
// What training needs beyond labelling: annotated data, augmentation, the recipe.
#include <string>
#include <vector>

#include "actrec/config/inference.hpp"

namespace actrec::config {

enum class Optimizer { adam, sgd };
enum class Schedule { cosine, step, none };
enum class ClassWeights { inverse_frequency, none };
/// How training sequences are cut and where the loss falls.
enum class Recipe {
  tbptt,    ///< random crops, truncated BPTT in chunks, loss on every frame
  windows,  ///< short windows from a zero state, loss on their last steps (MiniROAD)
};
const char* to_string(Optimizer value);
const char* to_string(Schedule value);
const char* to_string(ClassWeights value);
const char* to_string(Recipe value);

/// How annotated clips become per-frame training targets.
struct DataConfig {
  std::vector<std::string> labels;        ///< the class list, in order; empty: inferred, sorted
  std::string background = "background";  ///< class of frames no segment covers; "": ignored
  double fps = 15;  ///< the model steps at this rate: faster sources are sampled down to it
};

/// Keypoint augmentation at training time; each applied per clip with its own draw.
struct AugmentConfig {
  bool enabled = true;
  double mirror = 0.5;             ///< probability of a left-right mirror (sides swapped)
  double scale = 0.2;              ///< scale by a factor in [1-s, 1+s]
  double rotate_deg = 10;          ///< rotate by up to this many degrees
  double keypoint_dropout = 0.05;  ///< probability that a keypoint is unseen in a frame
  double cut_lower_body = 0.15;    ///< probability that a clip shows no knees and ankles
  /// Probability that a frame edge cuts the body (a street camera): part of it out of view
  /// throughout, or the person entering or leaving across the edge.
  double edge_cut = 0;
  /// Probability that the person is seen small: keypoints jittered by a few percent of the
  /// body's height and the extremities often lost, as a pose model sees someone far away.
  double small = 0;
  /// Probability that a clip is seen from another angle: its keypoints lifted to 3-D, the body
  /// turned about the vertical by up to yaw_deg and the camera tilted by up to pitch_deg, then
  /// projected again (train/view_augment.hpp). One turn per clip. Off by default: at 0.5 it
  /// found fewer falls on the held-out folds (docs/results.md, "Viewpoint").
  double view = 0;
  double yaw_deg = 90;    ///< the turn's largest angle either way, degrees
  double pitch_deg = 20;  ///< the tilt's largest angle either way, degrees
  double rate_jitter = 0.25;       ///< speed change: time stretched by a factor in [1-j, 1+j]
  double min_crop = 0.5;           ///< tbptt recipe: shortest random crop, fraction of a clip
  double feature_noise = 0.05;     ///< Gaussian noise, in units of each feature's std
};

/// What fine-tuning (`train --init BUNDLE`) leaves as it was.
enum class Freeze {
  none,       ///< every weight learns
  recurrent,  ///< the recurrent cell (and projection) stay; the output layer learns
};
const char* to_string(Freeze value);

/// Fine-tuning a bundle on a user's own clips: fewer epochs than training from nothing, at the
/// same step (chosen on GMDCSA24, docs/results.md: a smaller step barely moved the LSTM, 20
/// epochs left it short); these replace train.epochs and train.lr when --init is given.
struct FinetuneConfig {
  int epochs = 40;
  double lr = 2e-3;
  Freeze freeze = Freeze::none;
};

/// Motion capture seen by virtual cameras, mixed into training (train/mocap_views.hpp): clips
/// of the 15-joint humanoid (../shared/datasets/cmu_mocap_subset's format), labelled from their
/// descriptions and motion, each epoch from fresh cameras. Off unless asked for, as the data it
/// needs is: scripts/train_default.sh mixes CMU's into the shipped default at share 0.3, which
/// gained frame accuracy on the held-out folds and lost no fall (docs/results.md, "Viewpoint").
struct MocapConfig {
  std::string folder;  ///< clips.csv and clips/; "": none
  double share = 0;    ///< the mocap sequences' share of each epoch's sequences
};

struct TrainConfig {
  Recipe recipe = Recipe::tbptt;
  int epochs = 60;
  int batch_size = 8;      ///< sequences per step
  int tbptt_steps = 64;    ///< tbptt: frames per truncated-BPTT chunk; 0: full BPTT
  int window = 48;         ///< windows: frames per window
  int loss_steps = 16;     ///< windows: the loss is on this many last frames of each window
  double clip_norm = 1.0;  ///< global gradient-norm clipping; 0: off
  Optimizer optimizer = Optimizer::adam;
  double lr = 2e-3;
  double weight_decay = 1e-4;
  Schedule schedule = Schedule::cosine;
  int patience = 20;  ///< epochs without validation gain before stopping; 0: never
  int seed = 1;
  ClassWeights class_weights = ClassWeights::none;  ///< tune.sh: better than inverse frequency
  AugmentConfig augment;
  MocapConfig mocap;
  FinetuneConfig finetune;
  std::string cache_dir;  ///< feature cache; "": $XDG_CACHE_HOME or ~/.cache/actrec/features
};

}  // namespace actrec::config
