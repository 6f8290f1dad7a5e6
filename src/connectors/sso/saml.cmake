# SAML 2.0 service provider (saml.h) on Lasso; libxml2 and xmlsec1 come with it. lasso.pc leaves
# out glib/gobject (wire/stack-notes.md pitfall 4) and we call libxml2 ourselves, so all are named.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LASSO REQUIRED IMPORTED_TARGET lasso glib-2.0 gobject-2.0 libxml-2.0)

gatehouse_library(gatehouse_sso_saml
  SRCS saml.cc saml_xml.cc saml_response.cc
  DEPS gatehouse_common gatehouse_crypto
  PRIVATE_DEPS PkgConfig::LASSO Boost::json)

# Against a real SAML IdP (tests/support/saml_idp.py: pysaml2, which signs with the xmlsec1
# binary) started per test suite on loopback.
if(GATEHOUSE_BUILD_TESTS)
  find_program(GATEHOUSE_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT GATEHOUSE_PYTHON)
    find_program(GATEHOUSE_PYTHON python3 REQUIRED)
  endif()
  gatehouse_test(sso_saml_test
    SRCS saml_test.cc
    DEPS gatehouse_sso_saml gatehouse_crypto gatehouse_http_client
    LABEL e2e)
  if(TARGET sso_saml_test)
    target_include_directories(sso_saml_test PRIVATE ${PROJECT_SOURCE_DIR}/tests)  # support/process.h
    target_compile_definitions(sso_saml_test PRIVATE
      GATEHOUSE_PYTHON="${GATEHOUSE_PYTHON}"
      GATEHOUSE_SAML_IDP="${PROJECT_SOURCE_DIR}/tests/support/saml_idp.py")
  endif()
endif()
