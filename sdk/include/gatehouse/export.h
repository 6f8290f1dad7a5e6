// Symbol visibility: the library is built with hidden visibility (so Boost.JSON and OpenSSL
// helpers inside it never clash with an application's own copies); what is declared with
// GATEHOUSE_SDK_API is its public ABI.
#pragma once

#define GATEHOUSE_SDK_API __attribute__((visibility("default")))
