#include "actrec/video/frame_source.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <opencv2/core/utils/logger.hpp>

extern "C" {
#include <libavutil/log.h>
}

#include "actrec/video/capture_source.hpp"
#include "actrec/video/image_folder_source.hpp"

namespace actrec::video {

SourceSpec classify_source(const std::string& text) {
  if (text.find("://") != std::string::npos) return {SourceKind::stream, text};
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    return {SourceKind::camera, text};
  }
  if (text.rfind("/dev/video", 0) == 0) return {SourceKind::camera, text};
  std::error_code error;
  if (std::filesystem::is_directory(text, error)) return {SourceKind::image_folder, text};
  return {SourceKind::file, text};
}

const char* to_string(SourceKind kind) {
  switch (kind) {
    case SourceKind::file:
      return "file";
    case SourceKind::camera:
      return "camera";
    case SourceKind::image_folder:
      return "image folder";
    case SourceKind::stream:
      return "stream";
  }
  return "?";
}

namespace {

// Query keys whose values are secrets, by a part of their name: user=, pwd=, password=,
// token=, access_token=, api_key=, auth=, sig=, secret=...
bool secret_key(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* part : {"user", "pass", "pwd", "token", "secret", "key", "auth", "sig", "cred",
                           "session", "login"}) {
    if (key.find(part) != std::string::npos) return true;
  }
  return false;
}

// `fields` ("a=1&pwd=2;b=3") with the values of secret keys replaced by "***".
std::string redact_fields(const std::string& fields) {
  std::string out;
  size_t start = 0;
  while (start <= fields.size()) {
    const size_t end = std::min(fields.find_first_of("&;", start), fields.size());
    const std::string field = fields.substr(start, end - start);
    const size_t equals = field.find('=');
    out += equals != std::string::npos && secret_key(field.substr(0, equals))
               ? field.substr(0, equals + 1) + "***"
               : field;
    if (end < fields.size()) out += fields[end];
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string redact_credentials(const std::string& location) {
  const size_t scheme = location.find("://");
  if (scheme == std::string::npos) return location;
  const size_t host = scheme + 3;
  const size_t tail = location.find_first_of("/?#", host);
  std::string shown = location;
  // user:password@ before the host.
  const size_t at = location.rfind('@', tail == std::string::npos ? std::string::npos : tail);
  if (at != std::string::npos && at >= host)
    shown = location.substr(0, host) + "***" + location.substr(at);
  // Secrets in the query and the fragment (?user=a&pwd=b, #access_token=c).
  const size_t query = shown.find_first_of("?#", host);
  if (query == std::string::npos) return shown;
  std::string out = shown.substr(0, query);
  for (size_t start = query; start < shown.size();) {
    const size_t next = shown.find('#', start + 1);
    const size_t end = next == std::string::npos ? shown.size() : next;
    out += shown[start] + redact_fields(shown.substr(start + 1, end - start - 1));
    start = end;
  }
  return out;
}

std::string source_slug(const SourceSpec& spec) {
  std::string text = spec.location;
  if (spec.kind == SourceKind::camera) {
    const size_t slash = text.rfind('/');
    text = "camera" + (slash == std::string::npos ? text : text.substr(slash + 1));
    if (text.rfind("cameravideo", 0) == 0) text = "camera" + text.substr(11);
  } else if (const size_t scheme = text.find("://"); scheme != std::string::npos) {
    text = text.substr(scheme + 3);
    text = text.substr(0, text.find_first_of("?#"));  // a query may hold a token
    const size_t path = text.find('/');
    const size_t at = text.rfind('@', path);
    if (at != std::string::npos && (path == std::string::npos || at < path)) {
      text = text.substr(at + 1);
    }
  } else {
    const size_t slash = text.find_last_of('/');
    if (slash != std::string::npos) text = text.substr(slash + 1);
    const size_t dot = text.rfind('.');
    if (dot != std::string::npos && dot > 0) text = text.substr(0, dot);
  }
  std::string slug;
  for (char c : text) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (keep) {
      slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!slug.empty() && slug.back() != '_') {
      slug += '_';
    }
  }
  while (!slug.empty() && slug.back() == '_') slug.pop_back();
  if (slug.size() > 48) slug.resize(48);
  return slug.empty() ? "source" : slug;
}

bool ends_short(double decoded_s, int64_t claimed_frames, double fps) {
  if (claimed_frames <= 0 || fps <= 0) return false;
  const double claimed_s = static_cast<double>(claimed_frames) / fps;
  return claimed_s - decoded_s > std::max(2.0 / fps, claimed_s / 20);
}

std::unique_ptr<FrameSource> open_source(const SourceSpec& spec, const SourceOptions& options) {
  if (spec.kind == SourceKind::image_folder) {
    return std::make_unique<ImageFolderSource>(spec.location, options.image_folder_fps);
  }
  return std::make_unique<CaptureSource>(spec, options);
}

void set_backend_logging(bool verbose) {
  cv::utils::logging::setLogLevel(verbose ? cv::utils::logging::LOG_LEVEL_WARNING
                                          : cv::utils::logging::LOG_LEVEL_SILENT);
  // OpenCV's FFmpeg wrapper reads this once, when the first capture opens: AV_LOG_QUIET (-8)
  // silences libav*; without it FFmpeg errors go straight to stderr.
  if (!verbose) ::setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", 1);
  av_log_set_level(verbose ? AV_LOG_WARNING : AV_LOG_QUIET);  // libavformat as actrec calls it
}

}  // namespace actrec::video
