#include "actrec/features/pose.hpp"

#include <algorithm>
#include <limits>

namespace actrec::features {

const std::array<std::string_view, kKeypoints> kKeypointNames = {
    "nose",           "left_eye",   "right_eye",   "left_ear",   "right_ear",   "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
    "right_hip",      "left_knee",  "right_knee",  "left_ankle", "right_ankle"};

const std::array<int, kKeypoints> kMirroredKeypoint = {0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11,
                                                       14, 13, 16, 15};

const std::array<std::pair<int, int>, 16> kBones = {{{0, 1},
                                                     {0, 2},
                                                     {1, 3},
                                                     {2, 4},
                                                     {5, 6},
                                                     {5, 7},
                                                     {7, 9},
                                                     {6, 8},
                                                     {8, 10},
                                                     {5, 11},
                                                     {6, 12},
                                                     {11, 12},
                                                     {11, 13},
                                                     {13, 15},
                                                     {12, 14},
                                                     {14, 16}}};

void box_from_keypoints(Pose pose, float min_score) {
  float x0 = std::numeric_limits<float>::max(), y0 = x0, x1 = -x0, y1 = -x0, sum = 0;
  int found = 0;
  for (int k = 0; k < kKeypoints; ++k) {
    sum += pose.score(k);
    if (pose.score(k) < min_score) continue;
    ++found;
    x0 = std::min(x0, pose.x(k));
    y0 = std::min(y0, pose.y(k));
    x1 = std::max(x1, pose.x(k));
    y1 = std::max(y1, pose.y(k));
  }
  if (found == 0) x0 = y0 = x1 = y1 = 0;
  pose.box(0) = x0;
  pose.box(1) = y0;
  pose.box(2) = x1;
  pose.box(3) = y1;
  pose.person_score() = sum / kKeypoints;
}

}  // namespace actrec::features
