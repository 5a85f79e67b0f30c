# One place for warning flags and one helper per kind of target.
#
#   qz_library(NAME [CORE] SOURCES ... [DEPS ...])   a module library under src/<module>
#   qz_test(NAME SOURCES ... DEPS ...)               a GoogleTest executable registered with CTest
#                                                    (compiled at -O1 in the optimized builds; see QZ_TEST_OPTIMIZE)
#   qz_executable(NAME SOURCES ... DEPS ...)         a program (apps/, bench/)
#
# Programs and tests link ${QZ_ALLOCATOR} (jemalloc, set in the top CMakeLists.txt) when it is set.

set(QZ_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Wnull-dereference -Wimplicit-fallthrough)
set(QZ_CORE_WARNINGS -Wconversion -Wsign-conversion)
if(QZ_WERROR)
  list(APPEND QZ_WARNINGS -Werror)
endif()

if(QZ_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# A test's own sources (its TEST bodies, fixtures and helpers) are compiled at -O1 in the optimized builds. They are
# two thirds of the build's compile time, and -O3 spends most of it inlining GoogleTest's assertion macros. The code
# under test keeps the build type's level: the module libraries, and the reference models (tests/engine), which are
# libraries of their own.
set(QZ_TEST_OPTIMIZE $<$<CONFIG:Release,RelWithDebInfo>:-O1>)

function(qz_library name)
  cmake_parse_arguments(ARG "CORE" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${QZ_WARNINGS})
  if(ARG_CORE)
    target_compile_options(${name} PRIVATE ${QZ_CORE_WARNINGS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

function(qz_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${QZ_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} ${QZ_ALLOCATOR})
endfunction()

function(qz_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${QZ_WARNINGS} ${QZ_TEST_OPTIMIZE})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main ${QZ_ALLOCATOR})
  # GoogleTest and the standard headers every test includes, parsed once for all tests (tests/CMakeLists.txt).
  target_precompile_headers(${name} REUSE_FROM qz_test_pch)
  if(QZ_ALLOCATOR)
    target_compile_definitions(${name} PRIVATE QZ_JEMALLOC_LINKED=1)  # tests check that programs run on it
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "QZ_SHARED=${PROJECT_SOURCE_DIR}/../shared;QZ_BIN=$<TARGET_FILE:qazna>")
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()
