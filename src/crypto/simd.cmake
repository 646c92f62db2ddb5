# Each SIMD backend of WILLIAM3 is compiled for its own instruction set; which one runs
# is decided once at runtime from the CPU's features (crypto/william3_dispatch.cpp).
# The backends are x86 code (SSE4.1, AVX2, AVX-512 intrinsics, cpuid): elsewhere, or with
# OSIER_PORTABLE_ONLY=ON (to build and test that configuration on x86), only the portable
# backend is compiled.
set(_osier_not_x86 ON)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|i[3-6]86)$")
  set(_osier_not_x86 OFF)
endif()
option(OSIER_PORTABLE_ONLY "WILLIAM3 without the x86 SIMD backends" ${_osier_not_x86})
set(_osier_simd_sources
  ${CMAKE_CURRENT_SOURCE_DIR}/crypto/william3_sse41.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/crypto/william3_avx2.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/crypto/william3_avx512.cpp)
if(OSIER_PORTABLE_ONLY)
  get_target_property(_osier_crypto_sources osier_crypto SOURCES)
  list(REMOVE_ITEM _osier_crypto_sources ${_osier_simd_sources})
  set_target_properties(osier_crypto PROPERTIES SOURCES "${_osier_crypto_sources}")
  target_compile_definitions(osier_crypto PRIVATE OSIER_WILLIAM3_X86=0)
else()
  set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/crypto/william3_sse41.cpp PROPERTIES COMPILE_OPTIONS "-msse4.1")
  set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/crypto/william3_avx2.cpp PROPERTIES COMPILE_OPTIONS "-mavx2")
  set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/crypto/william3_avx512.cpp PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512vl")
  target_compile_definitions(osier_crypto PRIVATE OSIER_WILLIAM3_X86=1)
endif()
