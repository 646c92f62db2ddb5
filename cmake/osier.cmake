# Shared compile settings and the helper that defines one library per layer.

add_library(osier_warnings INTERFACE)
target_compile_options(osier_warnings INTERFACE -Wall -Wextra -Wpedantic -Werror)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 at -O3 reports out-of-bounds memmove inside libstdc++'s vector insertion that
  # cannot happen (GCC bugs 105329, 106199); keep them visible but not fatal.
  target_compile_options(osier_warnings INTERFACE -Wno-error=array-bounds -Wno-error=stringop-overflow)
endif()

if(OSIER_SANITIZE OR OSIER_BUILD_FUZZ)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(OSIER_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
# libFuzzer's coverage instrumentation, for the layers' libraries and the fuzz targets only: one
# build (build-san/, see scripts/san_build.sh) serves both the tests and the fuzz targets. Only
# fuzz targets link libFuzzer (and its main); in the test programs the libraries' coverage
# callbacks resolve to the sanitizer runtime's no-op defaults and gtest_main stays their main.
# The test files and the CLI are not instrumented: nothing fuzzes them, and the counters made
# their compile take 1.4x as long (a sync_tests batch, clang 14 -O1 with ASan + UBSan: 25.8 s
# against 18.1 s).
set(OSIER_FUZZ_COVERAGE)
if(OSIER_BUILD_FUZZ)
  set(OSIER_FUZZ_COVERAGE -fsanitize=fuzzer-no-link)
endif()

# osier_layer(NAME DEPS...) — a static library osier_NAME made of src/NAME/*.cpp.
# Two include roots: include/ holds the public headers (code includes "osier/NAME/header.hpp"; the
# only ones installed), src/ the layers' internals ("NAME/header.hpp", this build tree only).
function(osier_layer name)
  file(GLOB _srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${name}/*.cpp)
  if(NOT _srcs)  # a layer that is headers only (so far)
    add_library(osier_${name} INTERFACE)
    target_include_directories(osier_${name} INTERFACE $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                                                       $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>
                                                       $<INSTALL_INTERFACE:include>)
    target_link_libraries(osier_${name} INTERFACE ${ARGN})
    return()
  endif()
  add_library(osier_${name} STATIC ${_srcs})
  target_include_directories(osier_${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                                                 $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>
                                                 $<INSTALL_INTERFACE:include>)
  target_link_libraries(osier_${name} PUBLIC ${ARGN} PRIVATE osier_warnings)
  target_compile_options(osier_${name} PRIVATE ${OSIER_FUZZ_COVERAGE})
  if(OSIER_UNITY_LIBS)
    set_target_properties(osier_${name} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  endif()
endfunction()
