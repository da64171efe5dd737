// A Windows security identifier as documents show it: the SID's text ("S-1-5-21-...-1001") and the
// account's "DOMAIN\name". Names are looked up once per SID (LookupAccountSidW may ask a domain
// controller) and cached; thread-safe.
#pragma once

#include <string>

namespace fimon::platform {

struct Account {
  std::string sid;   // empty when `sid` was not a valid SID
  std::string name;  // empty when the account is unknown (deleted, or a domain out of reach)
};

Account account_of(void* sid);  // a PSID

}  // namespace fimon::platform
