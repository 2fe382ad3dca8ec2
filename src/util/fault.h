/*
 * fault: crash points for tests.
 *
 * Contract: lp_fault("pull.after-manifest") kills the process with SIGKILL
 * when the environment variable LILIPOD_FAULT names that point (exactly, or
 * as one item of a comma-separated list); otherwise it does nothing. It is
 * always compiled in so the binary under test is the binary users run; the
 * cost is one cached getenv. Tests use it to check that a pull killed at any
 * point leaves a store that a re-run completes and gc cleans.
 *
 * Points (grep for lp_fault to find them):
 *   pull.after-manifest       manifest fetched and parsed, nothing stored yet
 *   pull.after-config         config fetched and verified
 *   pull.mid-blob             about half of a layer blob streamed into the store
 *   store.layer.before-objects layer verified, temp files not yet renamed into objects/
 *   store.layer.after-objects objects renamed into objects/, no rows yet
 *   store.layer.in-txn        layer rows inserted, transaction not committed
 *   pull.after-layer-commit   a layer committed (rows visible), image not
 *   store.image.in-txn        image tree flattened and inserted, not committed
 *   pull.after-image-commit   image committed, ID not yet printed
 */
#ifndef LILIPOD_UTIL_FAULT_H
#define LILIPOD_UTIL_FAULT_H

void lp_fault(const char *point);

#endif
