// Resource handle books: the state machine of lcmux#resources_handles_managing with hopeful
// bindings (lcmux#handles_resource_control), and SPEC-NOTES Sync 9's rules for received
// messages, as tables.
#include "sync/handles.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace osier::sync {
namespace {

constexpr bool kNotDropping = false;
constexpr bool kDropping = true;

HandleState state_of(const HandleBook& b, std::uint64_t id) {
  auto s = b.state(id);
  EXPECT_TRUE(s.has_value()) << "handle " << id << " is not live";
  return s.value_or(HandleState::kDropped);
}

void expect_violation(const Status& st) {
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument) << st.to_string();
}
template <typename T>
void expect_violation(const Result<T>& r) {
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().to_string();
}

// One step of a table: an operation on handle 0 of a book of our bindings, and the state after
// it (nullopt: deleted) or the failure it must give.
enum class Op { kConfirm, kDrop, kResend, kReference, kFree, kPeerFree, kPeerReference };
struct Step {
  Op op;
  std::optional<HandleState> after;  // ignored when `fails`
  bool fails = false;
  std::uint64_t count = 0;  // kPeerFree's reference count
};

Status apply(HandleBook& b, const Step& s) {
  switch (s.op) {
    case Op::kConfirm:
      return b.confirm(0);
    case Op::kDrop:
      return b.on_dropped(0);
    case Op::kResend:
      return b.on_resent(0, false);
    case Op::kReference:
      return b.reference(0);
    case Op::kFree: {
      auto r = b.free(0);
      return r.is_ok() ? Status::ok() : r.status();
    }
    case Op::kPeerFree: {
      auto r = b.on_peer_free(0, s.count, kNotDropping);
      return r.is_ok() ? Status::ok() : r.status();
    }
    case Op::kPeerReference: {
      auto r = b.check_peer_reference(0, kNotDropping);
      if (!r.is_ok()) return r.status();
      EXPECT_EQ(*r, Disposition::kAccept);
      b.count_peer_reference(0);
      return Status::ok();
    }
  }
  return Status::ok();
}

void run_table(bool hopeful, const std::vector<Step>& steps) {
  HandleBook b(HandleType::kReadCapability, Binder::kUs, 8);
  ASSERT_EQ(*b.bind_mine(hopeful), 0u);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    const auto before = b.state(0);
    const Status st = apply(b, steps[i]);
    if (steps[i].fails) {
      expect_violation(st);
      EXPECT_EQ(b.state(0), before) << "a failed step changed the state";
      continue;
    }
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    EXPECT_EQ(b.state(0), steps[i].after);
  }
}

using S = HandleState;

TEST(HandleBook, FullyBoundLifecycleMeFreesFirst) {
  run_table(false, {
                       {Op::kReference, S::kFullyBound},
                       {Op::kPeerReference, S::kFullyBound},
                       {Op::kFree, S::kMeFreed},
                       {Op::kReference, {}, true},  // we promised not to name it
                       {Op::kPeerReference, S::kMeFreed},
                       {Op::kPeerFree, S::kAwaitingDeletion, false, 3},
                       {Op::kPeerReference, std::nullopt},  // the third: deleted
                       {Op::kPeerReference, {}, true},      // after deletion
                       {Op::kFree, {}, true},
                   });
}

TEST(HandleBook, FullyBoundLifecyclePeerFreesFirst) {
  run_table(false, {
                       {Op::kPeerReference, S::kFullyBound},
                       {Op::kPeerFree, S::kYouFreed, false, 1},
                       {Op::kReference, S::kYouFreed},  // we have not promised yet
                       {Op::kPeerReference, {}, true},  // beyond the peer's final count
                       {Op::kPeerFree, {}, true},       // the peer frees twice
                       {Op::kFree, std::nullopt},       // counts complete: deleted at once
                   });
}

TEST(HandleBook, DoubleFreeAndReferenceAfterFree) {
  run_table(false, {
                       {Op::kFree, S::kMeFreed},
                       {Op::kFree, {}, true},
                       {Op::kReference, {}, true},
                       {Op::kConfirm, {}, true},  // not hopeful
                       {Op::kDrop, {}, true},     // a confirmed binding cannot be dropped
                       {Op::kPeerFree, std::nullopt, false, 0},
                   });
}

TEST(HandleBook, PeerCountBelowReceivedIsAnError) {
  run_table(false, {
                       {Op::kPeerReference, S::kFullyBound},
                       {Op::kPeerReference, S::kFullyBound},
                       {Op::kPeerFree, {}, true, 1},
                       {Op::kPeerFree, S::kYouFreed, false, 2},
                   });
}

TEST(HandleBook, HopefulBindingConfirmed) {
  run_table(true, {
                      {Op::kReference, S::kHopefullyBound},
                      {Op::kFree, S::kHopefullyMeFreed},
                      {Op::kConfirm, S::kMeFreed},
                      {Op::kConfirm, {}, true},
                      {Op::kPeerReference, S::kMeFreed},
                      {Op::kPeerFree, std::nullopt, false, 1},
                  });
}

// Codec review item 5: the peer's guarantees covering a binding may arrive after its
// ResourceHandleFree of that handle; confirming then is no error, whatever became of the handle.
TEST(HandleBook, ConfirmAfterThePeerFreedIsNoError) {
  run_table(true, {
                      {Op::kPeerFree, S::kYouFreed, false, 0},
                      {Op::kConfirm, S::kYouFreed},
                      {Op::kFree, std::nullopt},
                      {Op::kConfirm, std::nullopt},  // deleted: still fine
                  });
  run_table(true, {
                      {Op::kReference, S::kHopefullyBound},
                      {Op::kFree, S::kHopefullyMeFreed},
                      {Op::kPeerFree, S::kAwaitingDeletion, false, 1},
                      {Op::kConfirm, S::kAwaitingDeletion},
                      {Op::kPeerReference, std::nullopt},
                  });
  HandleBook b(HandleType::kOverlap, Binder::kUs, 2);
  expect_violation(b.confirm(0));  // never bound
  EXPECT_EQ(b.free_slots(), 2u);
  ASSERT_TRUE(b.bind_mine(true).is_ok());
  EXPECT_EQ(b.free_slots(), 1u);
}

TEST(HandleBook, HopefulBindingDroppedAndResent) {
  run_table(true, {
                      {Op::kReference, S::kHopefullyBound},
                      {Op::kReference, S::kHopefullyBound},
                      {Op::kDrop, S::kDropped},
                      {Op::kReference, {}, true},      // not until resent
                      {Op::kFree, {}, true},           // nothing to free
                      {Op::kPeerReference, {}, true},  // the peer cannot know it
                      {Op::kPeerFree, {}, true, 0},
                      {Op::kResend, S::kFullyBound},
                      {Op::kResend, {}, true},
                  });
}

TEST(HandleBook, DroppedFreeMustBeRepeated) {
  HandleBook b(HandleType::kOverlap, Binder::kUs, 4);
  ASSERT_EQ(*b.bind_mine(true), 0u);
  ASSERT_TRUE(b.reference(0).is_ok());
  ASSERT_EQ(*b.free(0), 1u);
  ASSERT_EQ(state_of(b, 0), HandleState::kHopefullyMeFreed);
  // The peer dropped the binding and discarded the messages naming it, the free included.
  ASSERT_TRUE(b.on_dropped(0).is_ok());
  EXPECT_EQ(b.sent_count(0), 0u);
  ASSERT_TRUE(b.on_resent(0, true).is_ok());
  EXPECT_EQ(state_of(b, 0), HandleState::kHopefullyBound);
  ASSERT_TRUE(b.reference(0).is_ok());
  EXPECT_EQ(*b.free(0), 1u);  // the count the peer will see: only messages after the resend
}

TEST(HandleBook, PeerBindingsGetConsecutiveIdsAndTheCap) {
  HandleBook b(HandleType::kPayloadRequest, Binder::kPeer, 3);
  for (std::uint64_t i = 0; i < 3; ++i) EXPECT_EQ(*b.on_peer_bind(), i);
  auto full = b.on_peer_bind();
  ASSERT_FALSE(full.is_ok());
  EXPECT_EQ(full.status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(b.next_id(), 3u);
  // Freeing makes room; ids never repeat.
  ASSERT_TRUE(b.on_peer_free(1, 0, kNotDropping).is_ok());
  ASSERT_TRUE(b.free(1).is_ok());
  EXPECT_FALSE(b.contains(1));
  EXPECT_EQ(*b.on_peer_bind(), 3u);
  // The binding operations of the other binder are refused.
  expect_violation(b.bind_mine(false));
  expect_violation(b.confirm(0));
}

TEST(HandleBook, NeverBoundIsDiscardedOnlyWhileTheBindingChannelDrops) {
  HandleBook theirs(HandleType::kReadCapability, Binder::kPeer, 4);
  HandleBook mine(HandleType::kReadCapability, Binder::kUs, 4);
  ASSERT_TRUE(theirs.on_peer_bind().is_ok());
  ASSERT_TRUE(mine.bind_mine(false).is_ok());
  // Handle 5 of the peer: its binding may have been dropped by us.
  EXPECT_EQ(*theirs.check_peer_reference(5, kDropping), Disposition::kDiscard);
  expect_violation(theirs.check_peer_reference(5, kNotDropping));
  EXPECT_EQ(*theirs.on_peer_free(5, 0, kDropping), Disposition::kDiscard);
  expect_violation(theirs.on_peer_free(5, 0, kNotDropping));
  // Handle 5 of ours: we never bound it, whatever our channels do.
  expect_violation(mine.check_peer_reference(5, kDropping));
  expect_violation(mine.on_peer_free(5, 0, kDropping));
  // A deleted handle is an error even while dropping.
  ASSERT_TRUE(theirs.free(0).is_ok());
  ASSERT_TRUE(theirs.on_peer_free(0, 0, kNotDropping).is_ok());
  EXPECT_FALSE(theirs.contains(0));
  expect_violation(theirs.check_peer_reference(0, kDropping));
}

TEST(HandleBook, ReferenceCountsCountMessagesBothWays) {
  HandleBook b(HandleType::kOverlap, Binder::kPeer, 4);
  ASSERT_TRUE(b.on_peer_bind().is_ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(b.reference(0).is_ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(*b.check_peer_reference(0, kNotDropping), Disposition::kAccept);
    b.count_peer_reference(0);
  }
  EXPECT_EQ(b.sent_count(0), 5u);
  EXPECT_EQ(b.received_count(0), 3u);
  // The peer frees with final count 4: one of its messages is still in flight.
  ASSERT_TRUE(b.on_peer_free(0, 4, kNotDropping).is_ok());
  EXPECT_EQ(*b.free(0), 5u);
  EXPECT_EQ(state_of(b, 0), HandleState::kAwaitingDeletion);
  ASSERT_EQ(*b.check_peer_reference(0, kNotDropping), Disposition::kAccept);
  b.count_peer_reference(0);
  EXPECT_FALSE(b.contains(0));
}

// Codec review item 1: a binding message discarded (it names a handle whose binding we dropped)
// still takes its id, so the peer's later bindings keep the ids the peer gave them.
TEST(HandleBook, ADiscardedBindingTakesItsIdAndIsFreedLikeAnyOther) {
  HandleTable<std::string> requests(HandleType::kPayloadRequest, Binder::kPeer, 4);
  const std::uint64_t tomb = *requests.on_peer_bind_discarded();
  const std::uint64_t next = *requests.on_peer_bind("second request");
  EXPECT_EQ(tomb, 0u);
  EXPECT_EQ(next, 1u);
  EXPECT_TRUE(requests.book().discarded(tomb));
  EXPECT_FALSE(requests.book().discarded(next));
  EXPECT_EQ(requests.get(tomb), nullptr);
  ASSERT_NE(requests.get(next), nullptr);
  // We may not name it; the peer's messages naming it are discarded, and counted.
  expect_violation(requests.reference(tomb));
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(*requests.check_peer_reference(tomb, kNotDropping), Disposition::kDiscard);
    requests.count_peer_reference(tomb);
  }
  // We free it at once; the peer frees it after a third message still in flight.
  EXPECT_EQ(*requests.free(tomb), 0u);
  ASSERT_EQ(*requests.on_peer_free(tomb, 3, kNotDropping), Disposition::kAccept);
  EXPECT_TRUE(requests.book().contains(tomb));
  ASSERT_EQ(*requests.check_peer_reference(tomb, kNotDropping), Disposition::kDiscard);
  requests.count_peer_reference(tomb);
  EXPECT_FALSE(requests.book().contains(tomb));
}

// Codec review item 2: a message discarded because of one handle counts toward the other live
// handles it names (its sender counted it for them), so they are deleted once both freed them.
TEST(HandleBook, ADiscardedMessageCountsTowardTheOtherHandlesItNames) {
  HandleBook capabilities(HandleType::kReadCapability, Binder::kPeer, 4);
  HandleBook overlaps(HandleType::kOverlap, Binder::kPeer, 4);
  ASSERT_TRUE(overlaps.on_peer_bind().is_ok());
  // A message naming overlap 0 and capability 0, whose binding we dropped.
  ASSERT_EQ(*overlaps.check_peer_reference(0, kNotDropping), Disposition::kAccept);
  ASSERT_EQ(*capabilities.check_peer_reference(0, kDropping), Disposition::kDiscard);
  overlaps.count_peer_reference(0);
  capabilities.count_peer_reference(0);  // not live: counts nowhere
  EXPECT_EQ(overlaps.received_count(0), 1u);
  EXPECT_FALSE(capabilities.contains(0));
  // The peer counted that message for overlap 0: final count 1, and the handle goes.
  ASSERT_TRUE(overlaps.free(0).is_ok());
  ASSERT_TRUE(overlaps.on_peer_free(0, 1, kNotDropping).is_ok());
  EXPECT_FALSE(overlaps.contains(0));
}

TEST(HandleTable, ValuesLiveUntilDeletion) {
  HandleTable<std::string> t(HandleType::kOverlap, Binder::kUs, 4);
  const std::uint64_t id = *t.bind_mine("interest", true);
  ASSERT_NE(t.get(id), nullptr);
  EXPECT_EQ(*t.get(id), "interest");
  ASSERT_TRUE(t.on_dropped(id).is_ok());
  ASSERT_NE(t.get(id), nullptr);  // kept for the resend
  ASSERT_TRUE(t.on_resent(id, false).is_ok());
  ASSERT_TRUE(t.free(id).is_ok());
  ASSERT_NE(t.get(id), nullptr);  // MeFreed: old messages may still name it
  ASSERT_TRUE(t.on_peer_free(id, 0, kNotDropping).is_ok());
  EXPECT_EQ(t.get(id), nullptr);
  EXPECT_EQ(t.book().live(), 0u);
}

// bytes() follows the values held: up with each binding, down as each value goes.
TEST(HandleTable, BytesFollowTheValuesHeld) {
  HandleTable<std::string> t(HandleType::kReadCapability, Binder::kPeer, 4,
                             [](const std::string& v) { return v.size(); });
  const std::uint64_t a = *t.on_peer_bind("abc");
  const std::uint64_t b = *t.on_peer_bind("defgh");
  EXPECT_EQ(t.bytes(), 8u);
  ASSERT_TRUE(t.free(a).is_ok());
  ASSERT_NE(t.get(a), nullptr);  // MeFreed: still held
  EXPECT_EQ(t.bytes(), 8u);
  ASSERT_TRUE(t.on_peer_free(a, 0, kNotDropping).is_ok());
  EXPECT_EQ(t.get(a), nullptr);
  EXPECT_EQ(t.bytes(), 5u);
  ASSERT_NE(t.get(b), nullptr);
}

TEST(HandleNames, TypesStatesAndBindingChannels) {
  EXPECT_STREQ(handle_type_name(HandleType::kPayloadRequest), "PayloadRequestHandle");
  EXPECT_STREQ(handle_state_name(HandleState::kAwaitingDeletion), "AwaitingDeletion");
  EXPECT_EQ(binding_channel(HandleType::kOverlap), LogicalChannel::kOverlap);
  EXPECT_EQ(binding_channel(HandleType::kReadCapability), LogicalChannel::kCapability);
  EXPECT_EQ(binding_channel(HandleType::kPayloadRequest), LogicalChannel::kPayloadRequest);
}

}  // namespace
}  // namespace osier::sync
