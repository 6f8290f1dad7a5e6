# Shared build settings and helpers for Gatehouse targets.

find_program(GATEHOUSE_CCACHE ccache)
if(GATEHOUSE_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${GATEHOUSE_CCACHE}")
endif()

set(GATEHOUSE_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wcast-align -Woverloaded-virtual
    # GCC 12 false positives: -Wrestrict (stack-notes pitfall 6) and -Wmaybe-uninitialized on
    # std::variant members at -O2 (Result<T>). Designated initializers that leave members to
    # their defaults are intended (options structs), so -Wmissing-field-initializers is off.
    -Wno-restrict -Wno-maybe-uninitialized -Wno-missing-field-initializers)
if(DEFINED ENV{CI} OR GATEHOUSE_WERROR)
  list(APPEND GATEHOUSE_WARNINGS -Werror)
endif()

set(GATEHOUSE_DEFINES BOOST_ASIO_NO_DEPRECATED
    OPENSSL_API_COMPAT=30000 OPENSSL_NO_DEPRECATED)

if(GATEHOUSE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# gatehouse_library(NAME SRCS ... DEPS ...): one layer = one static library.
function(gatehouse_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_BINARY_DIR}/src)
  target_compile_options(${name} PRIVATE ${GATEHOUSE_WARNINGS})
  target_compile_definitions(${name} PUBLIC ${GATEHOUSE_DEFINES})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# gatehouse_test(NAME SRCS ... DEPS ... LABEL unit|conformance|e2e)
function(gatehouse_test name)
  if(NOT GATEHOUSE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "LABEL" "SRCS;DEPS" ${ARGN})
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  add_executable(${name} ${ARG_SRCS})
  target_compile_options(${name} PRIVATE ${GATEHOUSE_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  # NO_PRETTY_VALUES: name parameterized tests by index, not by printing the parameter (a
  # std::function prints as its bytes, which differ from build to build).
  gtest_discover_tests(${name} NO_PRETTY_VALUES TEST_PREFIX "${name}." PROPERTIES LABELS ${ARG_LABEL} DISCOVERY_TIMEOUT 60)
endfunction()
