#pragma once
// What a video file's container says about its video stream alone, read with libavformat:
// OpenCV's frame count comes from the whole container's duration, which an audio track that
// outlasts the video (MKV, WebM, MPEG-TS from phones, browsers, OBS, IP cameras) makes too long.
#include <cstdint>
#include <string>

namespace actrec::video {

/// The number of frames the file's first video stream claims: its own frame count where the
/// container stores one (MP4, MOV, AVI), else its own duration (MPEG-TS; the DURATION tag
/// Matroska and WebM writers set) times `fps`, else the container's duration when the video is
/// its only stream. -1 when nothing says (a WebM from a browser), or the file cannot be read.
int64_t video_stream_frames(const std::string& path, double fps);

}  // namespace actrec::video
