# Finds the CBLAS that the CPU GEMM (core/cpu/gemm.cpp) calls and defines tapegrad::cblas, an
# imported target with its library and include directory; without one, no target. Included by
# CMakeLists.txt and by the installed tapegradConfig.cmake, so a program using the package links
# the BLAS the library was built against, found the same way.
#
# One threading layer (docs/decisions.md): OpenBLAS's OpenMP build runs its GEMMs on the same
# libgomp thread pool as our kernels; the pthreads build (Debian's default) brings a second pool of
# spinning threads that fights ours for the cores. Prefer it when libopenblas-openmp-dev is
# installed (it sits beside the default; the RPATH of what links it picks it at run time).
if(TARGET tapegrad::cblas)
  return()
endif()
find_library(TG_OPENBLAS_OPENMP openblas PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp
             NO_DEFAULT_PATH)
if(TG_OPENBLAS_OPENMP)
  set(TG_CBLAS_LIBRARIES ${TG_OPENBLAS_OPENMP})
  find_path(CBLAS_INCLUDE_DIR NAMES cblas.h PATHS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp
            NO_DEFAULT_PATH)
else()
  find_package(BLAS QUIET)
  set(TG_CBLAS_LIBRARIES ${BLAS_LIBRARIES})
endif()
find_path(CBLAS_INCLUDE_DIR NAMES cblas.h PATH_SUFFIXES openblas)
if(TG_CBLAS_LIBRARIES AND CBLAS_INCLUDE_DIR)
  # GLOBAL: a project that adds tapegrad with add_subdirectory resolves it from its own directory.
  add_library(tapegrad::cblas INTERFACE IMPORTED GLOBAL)
  set_target_properties(tapegrad::cblas PROPERTIES INTERFACE_LINK_LIBRARIES "${TG_CBLAS_LIBRARIES}"
                        INTERFACE_INCLUDE_DIRECTORIES "${CBLAS_INCLUDE_DIR}")
endif()
