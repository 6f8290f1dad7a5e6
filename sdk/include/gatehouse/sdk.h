// The Gatehouse C++ SDK: include this one header. See sdk/README.md.
#pragma once

#include "gatehouse/claims.h"
#include "gatehouse/export.h"
#include "gatehouse/client.h"
#include "gatehouse/random.h"
#include "gatehouse/result.h"
