# `cmake --install`: the library (every layer as a static library, and all of them as one shared
# libosier.so), the public headers (include/osier/, the only ones installed), a CMake package
# (find_package(osier): targets osier::osier, static, and osier::shared) and a pkg-config file
# (osier.pc, the shared library). tests/install/ builds a program against the installed tree.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(_osier_layers osier_base osier_crypto osier_model osier_meadowcap osier_store osier_sync
    osier_json osier_net osier_uri osier_drop osier_node)

# One shared library made of every layer's objects (they are compiled position-independent):
# the same objects as the static libraries, not compiled again.
set(_osier_objects)
foreach(_layer ${_osier_layers})
  list(APPEND _osier_objects $<TARGET_OBJECTS:${_layer}>)
endforeach()
add_library(osier_shared SHARED ${_osier_objects})
set_target_properties(osier_shared PROPERTIES OUTPUT_NAME osier VERSION ${PROJECT_VERSION}
                                              SOVERSION ${PROJECT_VERSION_MAJOR})
target_link_libraries(osier_shared
  PUBLIC PkgConfig::SODIUM PkgConfig::LMDB fmt::fmt nlohmann_json::nlohmann_json Threads::Threads)
target_include_directories(osier_shared INTERFACE $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                                                  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(osier_shared INTERFACE cxx_std_20)
set_target_properties(osier_shared PROPERTIES EXPORT_NAME shared)
target_compile_features(osier INTERFACE cxx_std_20)

install(TARGETS ${_osier_layers} osier osier_shared osier_c osier_warnings EXPORT osierTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/osier DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT osierTargets NAMESPACE osier:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/osier)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/osierConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/osierConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/osier)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/osierConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/osierConfig.cmake ${PROJECT_BINARY_DIR}/osierConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/osier)
# The prefix as seen from the .pc file's directory (lib/pkgconfig, or lib/x86_64-linux-gnu/pkgconfig
# for a Debian-style /usr prefix), so the file works wherever the tree is installed.
file(RELATIVE_PATH OSIER_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" OSIER_PC_TO_PREFIX "${OSIER_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/osier.pc.in ${PROJECT_BINARY_DIR}/osier.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/osier.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
