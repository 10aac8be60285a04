#include "actrec/video/stream_info.hpp"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
}

#include <cmath>
#include <cstdio>

namespace actrec::video {
namespace {

// "HH:MM:SS.fraction", as Matroska's DURATION tag holds it; negative when it is not that.
double parse_duration_tag(const char* text) {
  int hours = 0, minutes = 0;
  double seconds = 0;
  if (!text || std::sscanf(text, "%d:%d:%lf", &hours, &minutes, &seconds) != 3) return -1;
  return hours * 3600.0 + minutes * 60.0 + seconds;
}

int64_t frames_in(double seconds, double fps) {
  // Whole frames only: a duration also counts the last frame's length and some rounding.
  return seconds > 0 && fps > 0 ? static_cast<int64_t>(std::floor(seconds * fps + 1e-3)) : -1;
}

}  // namespace

int64_t video_stream_frames(const std::string& path, double fps) {
  AVFormatContext* context = nullptr;
  if (avformat_open_input(&context, path.c_str(), nullptr, nullptr) != 0) return -1;
  int64_t frames = -1;
  if (avformat_find_stream_info(context, nullptr) >= 0) {
    const int index = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (index >= 0) {
      const AVStream* stream = context->streams[index];
      const AVDictionaryEntry* tag = av_dict_get(stream->metadata, "DURATION", nullptr, 0);
      if (stream->nb_frames > 0) {
        frames = stream->nb_frames;
      } else if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0) {
        frames = frames_in(static_cast<double>(stream->duration) * av_q2d(stream->time_base), fps);
      } else if (tag) {
        frames = frames_in(parse_duration_tag(tag->value), fps);
      } else if (context->nb_streams == 1 && context->duration != AV_NOPTS_VALUE) {
        frames = frames_in(static_cast<double>(context->duration) / AV_TIME_BASE, fps);
      }
    }
  }
  avformat_close_input(&context);
  return frames;
}

}  // namespace actrec::video
