// What the fold (State::Apply) relies on that FlatBuffers' verifier does not vouch for: every
// date it holds is a calendar date (the fold counts days) and a penalty's severity is one (the
// ruleset's periods are indexed by it). ValidateEvent checked both before the entry was
// recorded, so a failure here is a damaged or altered store: Corruption naming the field.
#pragma once

#include "base/status.h"
#include "events/event.h"

namespace creditlog::projections {

Status CheckFoldable(const fb::Event& e);

}  // namespace creditlog::projections
