# The install layout, relative to the prefix (GNUInstallDirs): share/actrec/models holds the
# models an installed actrec finds by itself (core/model_paths.hpp).
set(ACTREC_MODELS_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/actrec/models)

# A build tree is laid out as an install is, so that build/bin/actrec finds the checkout's
# models the same way an installed actrec finds its own (core/model_paths.hpp).
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/${CMAKE_INSTALL_DATADIR}/actrec)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/models ${CMAKE_BINARY_DIR}/${ACTREC_MODELS_INSTALL_DIR}
     SYMBOLIC)
