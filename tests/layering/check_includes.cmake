# Reads every #include "..." in the layers' folders and fails on one that names a layer the file's
# own layer does not link, or that climbs out with "../". The compiler already refuses such an
# include in a source (test `layering`); this also covers headers that no source of their own
# layer includes. Run by CTest as `layering_includes`:
#   cmake -DSOURCE_DIR=<repo> -DLAYERS="core=core;autograd=autograd,core;..." -P check_includes.cmake
# where each entry is a layer folder and the folders it may include (its own and those it links).
cmake_minimum_required(VERSION 3.24)  # IN_LIST
set(layer_folders)
foreach(entry ${LAYERS})
  string(REGEX REPLACE "=.*" "" folder "${entry}")
  list(APPEND layer_folders ${folder})
endforeach()

set(violations 0)
foreach(entry ${LAYERS})
  string(REGEX REPLACE "=.*" "" folder "${entry}")
  string(REGEX REPLACE ".*=" "" allowed "${entry}")
  string(REPLACE "," ";" allowed "${allowed}")
  file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/${folder}/*.h ${SOURCE_DIR}/${folder}/*.cpp
       ${SOURCE_DIR}/${folder}/*.cu)
  foreach(file ${files})
    file(STRINGS ${SOURCE_DIR}/${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    foreach(line ${includes})
      string(REGEX MATCH "\"([^\"]*)\"" _ "${line}")
      set(header "${CMAKE_MATCH_1}")
      set(top "")
      if(header MATCHES "^([^/]+)/")
        set(top "${CMAKE_MATCH_1}")
      endif()
      if(header MATCHES "\\.\\./")
        message("${file}: includes \"${header}\": write includes from the root, not with ../")
        math(EXPR violations "${violations} + 1")
      elseif(top IN_LIST layer_folders AND NOT top IN_LIST allowed)
        string(REPLACE ";" ", " allowed_text "${allowed}")
        message("${file}: includes \"${header}\", but ${folder}/ may include only ${allowed_text}")
        math(EXPR violations "${violations} + 1")
      endif()
    endforeach()
  endforeach()
endforeach()
if(violations GREATER 0)
  message(FATAL_ERROR "${violations} include(s) against the layer order (CMakeLists.txt, tg_add_layer)")
endif()
list(LENGTH layer_folders n)
message(STATUS "includes of ${n} layers checked: each names only its own layer and the layers it links")
