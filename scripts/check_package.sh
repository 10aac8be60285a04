#!/usr/bin/env bash
# Checks actrec as others get it, from outside the checkout and without $ACTREC_MODELS:
#  1. `cmake --install` into a fresh prefix: exactly the documented public headers;
#  2. the consumer project (tests/consumer/) built against that prefix with find_package(actrec):
#     it labels a real clip through the API with the installed default model and checks every
#     frame against the installed `actrec label` on the same clip (single and multi);
#  3. the Debian package (CPack): its Depends: are runtime packages, never -dev ones; unpacked
#     into a fresh root (dpkg-deb -x), its actrec labels the clip without --model, as the
#     prefix's did.
# Needs the Release build and the models (scripts/setup.sh makes both). The clip is KTH's
# walker from ../shared; without ../shared, a synthetic one (said so).
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
build=$(realpath "${BUILD_DIR:-build}")
started=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset ACTREC_MODELS
# The consumer's OpenMP workers must not spin on a busy CI machine
# (docs/api.md, Threading).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
fail() { echo "check_package: $*" >&2; exit 1; }

clip=../shared/datasets/kth_actions/person01_walking_d1.avi
if [ -f "$clip" ]; then
  clip=$(realpath "$clip")
else
  echo "check_package: ../shared is absent: labelling a synthetic clip instead of a real one"
  clip=$work/testsrc.avi
  ffmpeg -loglevel error -f lavfi -i testsrc=size=320x240:rate=25:duration=4 -c:v mjpeg \
    -q:v 3 "$clip"
fi
stem=$(basename "${clip%.*}")

# 1. A fresh prefix.
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
headers=$(cd "$prefix/include" && find . -type f | sort | tr '\n' ' ')
[ "$headers" = "./actrec/actrec.hpp ./actrec/core/error.hpp " ] ||
  fail "installed headers are not the documented ones (docs/api.md): $headers"
for model in default.actrec gestures.actrec movenet-multipose.pt LICENSE.human-models README.md; do
  [ -s "$prefix/share/actrec/models/$model" ] || fail "share/actrec/models/$model was not installed"
done
for file in lib/systemd/system/actrec.service share/actrec/service/cameras.yaml; do
  [ -s "$prefix/$file" ] || fail "$file (the service) was not installed"
done

# 2. The consumer, built against the prefix alone; everything runs from a folder outside the
# checkout, so that nothing is found through the current folder.
cmake -S tests/consumer -B "$work/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >"$work/consumer.log" || { cat "$work/consumer.log"; exit 1; }
grep -- "-- actrec " "$work/consumer.log"
cmake --build "$work/consumer" >/dev/null
mkdir "$work/run"
cd "$work/run"
"$work/consumer/header_alone" >"$work/labels.txt"
grep -qx falling "$work/labels.txt" || fail "the consumer did not open the installed default model"
for mode in single multi; do
  "$prefix/bin/actrec" -q label "$clip" --persons "$mode" -o "$work/$mode"
  "$work/consumer/label_clip" "$clip" "$work/$mode/$stem.frames.csv" "$mode"
done
cd "$checkout"
echo "check_package: install and consumer checked in $(($(date +%s) - started)) s"

# 3. The Debian package.
step=$(date +%s)
version=$("$prefix/bin/actrec" --version | cut -d' ' -f2)
deb=$build/actrec_${version}_amd64.deb
rm -f "$deb"
(cd "$build" && cpack -G DEB >"$work/cpack.log") || { cat "$work/cpack.log"; exit 1; }
[ -f "$deb" ] || fail "cpack made no $deb"
depends=$(dpkg-deb -f "$deb" Depends)
echo "check_package: $(basename "$deb") ($(du -h "$deb" | cut -f1)), Depends: $depends"
if echo "$depends" | tr ',' '\n' | grep -q -- '-dev\b'; then
  fail "the package depends on a -dev package"
fi
for needed in libtorch1.13 libopencv-core406 libopencv-videoio406 libyaml-cpp0.7; do
  echo "$depends" | grep -q "$needed" || fail "Depends: lacks $needed"
done
echo "$depends" | grep -q adduser || fail "Depends: lacks adduser (the postinst makes the service's user)"
# The service: its unit where systemd looks, the scripts that make its user and folders.
contents=$(dpkg-deb -c "$deb")
grep -q ' \./usr/lib/systemd/system/actrec\.service$' <<<"$contents" ||
  fail "the package has no /usr/lib/systemd/system/actrec.service"
dpkg-deb -e "$deb" "$work/control"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] && sh -n "$work/control/$script" ||
    fail "the package's $script is missing or not a valid script"
done
grep -q "adduser --system" "$work/control/postinst" || fail "the postinst makes no service user"
dpkg-deb -x "$deb" "$work/root"
cd "$work/run"
"$work/root/usr/bin/actrec" -q label "$clip" -o "$work/deb"
cmp "$work/deb/$stem.frames.csv" "$work/single/$stem.frames.csv" ||
  fail "the packaged actrec labelled $stem otherwise than the installed one"
echo "check_package: Debian package checked in $(($(date +%s) - step)) s;" \
  "$(($(date +%s) - started)) s in all"
