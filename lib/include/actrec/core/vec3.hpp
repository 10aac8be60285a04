#pragma once
// Three-vectors for the little 3-D geometry of poses (lifting keypoints, motion capture, virtual
// cameras): plain arrays and the few operations they need.
#include <array>
#include <cmath>

namespace actrec::vec3 {

using Vec3 = std::array<double, 3>;

inline Vec3 operator+(const Vec3& a, const Vec3& b) {
  return {a[0] + b[0], a[1] + b[1], a[2] + b[2]};
}
inline Vec3 operator-(const Vec3& a, const Vec3& b) {
  return {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
}
inline Vec3 operator*(double k, const Vec3& a) { return {k * a[0], k * a[1], k * a[2]}; }
inline double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
inline Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
inline double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }
/// `a` scaled to length 1; `fallback` when it has no length.
inline Vec3 unit(const Vec3& a, const Vec3& fallback = {0, 0, 0}) {
  const double n = norm(a);
  return n > 1e-12 ? (1 / n) * a : fallback;
}

}  // namespace actrec::vec3
