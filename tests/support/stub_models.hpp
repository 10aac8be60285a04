#pragma once
// Tiny backbones and bundles the tests make for themselves (random weights: the tests check what
// the code does with them, not what the labels mean).
#include <string>
#include <vector>

#include "actrec/config/config.hpp"

namespace actrec::test {

/// A backbone whose "feature map" is the frame's mean colour [B, 3] divided by 64.
void write_colour_backbone(const std::string& path);

/// A MultiPose-like backbone ([B, 2, 56]: two people, 17 keypoints, box, score, normalised to
/// the input): each person is the bright pixels of one half of the frame (left, right), its
/// keypoints a standing figure's spread over their extent. `gain` scales how the figure's
/// proportions follow the pixels: another gain, another "backbone". `source`, when set, is
/// recorded the way import-tfjs records where a model came from.
void write_people_backbone(const std::string& path, double gain = 1.0,
                           const std::string& source = "");

/// Features settings for those backbones: 64x48 float input, stretched.
config::FeaturesConfig colour_features(const std::string& backbone);
config::FeaturesConfig people_features(const std::string& backbone);

/// A bundle with random (seeded) weights for `cell` on `features`; labels dark, light, background.
void write_bundle(const std::string& path, const config::FeaturesConfig& features,
                  config::Cell cell, const config::SmoothingConfig& smoothing = {});

/// A bundle whose labels follow each person's horizontal motion (no recurrence, no smoothing):
/// `dark` while the body moves left, `light` while it moves right, `background` when still.
void write_motion_bundle(const std::string& path, const config::FeaturesConfig& features);

/// One bright figure (320x120, 25 fps): standing still for 20 frames, tipping over to lying
/// while it moves left (10 frames), lying still (60); then `unseen_frames` of black (the lights
/// out); then, when it `gets_up`, lying 10 frames more, getting up while it moves right (10)
/// and standing (60). With write_motion_bundle its moving-left frames are `dark`, so
/// `events.fall_label=dark` makes the tipping over a fall (the lying box is wider than tall:
/// down) that standing up clears.
void write_falling_person_video(const std::string& path, int unseen_frames = 0,
                                bool gets_up = true);

/// The figure of write_falling_person_video standing still, `frames` at 25 fps.
void write_standing_person_video(const std::string& path, int frames);

/// Frames with two bright figures on black, moving apart and back (`frames` at `fps`, 160x120).
/// The right one is in view from frame `right_from` to `right_until` (exclusive; -1: the end).
void write_two_people_video(const std::string& path, int frames, double fps, int right_from = 0,
                            int right_until = -1);

}  // namespace actrec::test
