#!/usr/bin/env bash
# The pictures that check by eye what the viewpoint techniques feed training (docs/results.md):
#   docs/images/view_augmentation.png  real frames of shippable clips with their keypoints, the
#                                      body lifted to 3-D (train.augment.view) seen from above and
#                                      turned to other angles
#   docs/images/mocap_views.png        CMU motion capture seen by five virtual cameras with the
#                                      faults a pose network adds, and the label each frame gets
# Builds and uses build/bin/actrec_view_figure (not part of the default build) and the cached
# observations (a clip seen for the first time is run through the backbone once).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build "${BUILD_DIR:-build}" --target actrec_view_figure
tool=${VIEW_FIGURE:-${BUILD_DIR:-build}/bin/actrec_view_figure}
data=../shared/datasets
mkdir -p docs/images
"$tool" view docs/images/view_augmentation.png.tmp.png \
  "$data/assist_iot_falls/videos/adl/01_walking_slowly.mp4:3" \
  "$data/assist_iot_falls/videos/fall/05_vertical_fall_faint.mp4:4" \
  "$data/assist_iot_falls/videos/adl/13_bending_at_knees.mp4:4" \
  "$data/kth_actions/person01_walking_d1.avi:2" \
  "$data/ud810_ps7_mhi/PS7A2P1T1.avi:2"
mv docs/images/view_augmentation.png.tmp.png docs/images/view_augmentation.png
"$tool" mocap docs/images/mocap_views.png.tmp.png "$data/cmu_mocap_subset" \
  02_01:1 90_16:3.6 140_03:2
mv docs/images/mocap_views.png.tmp.png docs/images/mocap_views.png
echo "docs/images/view_augmentation.png docs/images/mocap_views.png"
