#include "common/clock.h"

namespace gatehouse {

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

}  // namespace gatehouse
