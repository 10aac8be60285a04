#pragma once
#include <cstdint>
#include <memory>
#include <opencv2/core/types.hpp>
#include <optional>
#include <string>

#include "actrec/core/frame.hpp"

namespace actrec::video {

/// One interface over every place frames come from.
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  /// The next frame, or nullopt at the end of the stream (which is not an error). A frame that
  /// cannot be decoded throws InputError naming the source.
  virtual std::optional<Frame> read() = 0;
  /// Nominal frames per second (container, camera or configured).
  virtual double fps() const = 0;
  /// The frame count the container claims; -1 where there is none (cameras, streams).
  virtual int64_t frame_count() const { return -1; }
  virtual cv::Size frame_size() const = 0;
  /// A one-line description for logs and errors.
  virtual std::string describe() const = 0;
  /// True for sources that produce frames in real time whether or not anyone reads them.
  virtual bool is_live() const { return false; }
};

enum class SourceKind { file, camera, image_folder, stream };

struct SourceSpec {
  SourceKind kind = SourceKind::file;
  std::string location;  ///< path, URL, camera index or device path
};

/// Classifies by form, never by trying to open: "scheme://…" is a stream, a bare number or
/// /dev/video* a camera, an existing directory a folder of images, anything else a video file.
SourceSpec classify_source(const std::string& text);

const char* to_string(SourceKind kind);

/// A source's location fit to print and publish: the user:password of a URL, and the values of
/// query and fragment fields that name secrets (user, pwd, password, token, key, auth, sig...),
/// replaced by "***". The one function that masks a location wherever it is shown.
std::string redact_credentials(const std::string& location);

/// A short name made of a source's location, for topics and file names: "camera0",
/// "127_0_0_1_8554_cam" (host, port and path of a URL, credentials left out).
std::string source_slug(const SourceSpec& spec);

struct SourceOptions {
  double image_folder_fps = 25.0;  ///< images carry no timing: they are spaced at this rate
  /// A video file that ends well short of the frame count its container claims is reported as
  /// truncated (InputError) instead of ending quietly.
  bool reject_truncated = true;
  /// Streams: how long opening, and then each read, may wait before the stream counts as gone
  /// (FFmpeg's own default is 30 s).
  double stream_timeout_s = 5.0;
};

std::unique_ptr<FrameSource> open_source(const SourceSpec& spec, const SourceOptions& options = {});

/// True when a file's frames ended well before the time its container's frame count claims
/// (`claimed_frames` at `fps`): cut off or corrupt. Judged by time, not by counting frames: an
/// AVI may count repeated frames stored as empty chunks (ffmpeg -r) that decode to nothing, and
/// container counts are estimates for some formats, so a shortfall of two frames' time or a
/// twentieth is tolerated. `decoded_s`: the end of the last frame decoded (its time plus one
/// frame period), from the first.
bool ends_short(double decoded_s, int64_t claimed_frames, double fps);

/// OpenCV and FFmpeg print their own diagnostics to the terminal; actrec reports problems in its
/// own words instead. Call before the first video is opened: `verbose` lets theirs through.
void set_backend_logging(bool verbose);

}  // namespace actrec::video
