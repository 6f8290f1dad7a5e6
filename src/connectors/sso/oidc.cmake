# OpenID Connect and OAuth 2.0 connectors (oidc.h): settings and factory (oidc.cc), the OIDC leg
# (oidc_flow.cc) and GitHub (github.cc). Included from this directory's CMakeLists.txt.
gatehouse_library(gatehouse_sso_oidc
  SRCS
    ${CMAKE_CURRENT_SOURCE_DIR}/oidc.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/oidc_flow.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/github.cc
  DEPS gatehouse_common gatehouse_crypto gatehouse_http_client Boost::json)

# Against tests/support/oidc_idp.py, a fake OIDC/GitHub identity provider started per test on
# loopback (python3-jwt and python3-cryptography from Debian, hence /usr/bin/python3).
if(GATEHOUSE_BUILD_TESTS)
  find_program(GATEHOUSE_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT GATEHOUSE_PYTHON)
    find_program(GATEHOUSE_PYTHON python3 REQUIRED)
  endif()
  gatehouse_test(sso_oidc_test
    SRCS
      ${CMAKE_CURRENT_SOURCE_DIR}/oidc_settings_test.cc
      ${CMAKE_CURRENT_SOURCE_DIR}/oidc_test.cc
    DEPS gatehouse_sso_oidc Boost::json
    LABEL e2e)
  target_include_directories(sso_oidc_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)  # support/process.h
  target_compile_definitions(sso_oidc_test PRIVATE
    GATEHOUSE_PYTHON="${GATEHOUSE_PYTHON}"
    GATEHOUSE_OIDC_IDP="${PROJECT_SOURCE_DIR}/tests/support/oidc_idp.py")
endif()
