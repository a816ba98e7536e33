// The status renderers: the text and JSON forms of a status built by hand.
#include <doctest/doctest.h>

#include "control/status.hpp"

using namespace sipdns::control;

TEST_CASE("iso8601: UTC with milliseconds; 0 is never") {
  CHECK(iso8601(0).empty());
  CHECK(iso8601(1764957728123) == "2025-12-05T18:02:08.123Z");
  CHECK(iso8601(86400000) == "1970-01-02T00:00:00.000Z");
}

namespace {
status sample() {
  status s;
  s.now_ms = 1764957730000;
  s.generation = 3;
  s.reloads_ok = 1;
  s.checks.push_back({"lab1.lab.test sip+tcp", "sip-options/tcp 5060", "down", "timeout", 400,
                      1764957720000, true});
  s.drains = {"lab2.lab.test."};
  s.zones.push_back({"lab.test.", 7, 2, 1764957700000, 12});
  status::cluster_info c{"lab.test.", "registrar.lab.test.", {"_sip._tcp.lab.test."}, {}, {}};
  status::service_state down{"sip+tcp", "down", 1764957720000, "sip-options/tcp 5060", "down",
                             "timeout \"x\"", 400, 1764957729000, false, 0};
  c.peers.push_back({"lab1.lab.test.", {"127.0.0.2"}, {down}});
  status::service_state drained{"sip+tcp", "unchecked", 1764957700000, "", "", "", 0, 0, true,
                                1764957710000};
  c.peers.push_back({"lab2.lab.test.", {"127.0.0.3"}, {drained}});
  c.answers.push_back({"registrar.lab.test.", "A", {}});
  c.answers.push_back({"_sip._tcp.lab.test.", "SRV", {"10 10 5060 lab1.lab.test."}});
  s.clusters.push_back(c);
  s.transitions.push_back({1764957720000, "lab1.lab.test.", "sip+tcp", "up", "down", "timeout"});
  s.rrl = status::rrl_totals{5, 3, 2};
  s.transfers.push_back({"lab.test.", "127.0.0.1", "IXFR", 7, 1764957727000});
  s.notifies.push_back({"127.0.0.1#53", "lab.test.", 7, 1764957728000, 1764957729000, "acked"});
  return s;
}
}  // namespace

TEST_CASE("status_lines: the historic lines, in order, then the richer ones") {
  std::vector<std::string> l = status_lines(sample());
  std::vector<std::string> want = {
      "lab1.lab.test sip+tcp sip-options/tcp 5060 down timeout 400ms",
      "drained lab2.lab.test.",
      "reloads: ok 1 failed 0",
      "generation: 3",
      "zone lab.test. serial 7 journal 2",
      "rrl: 5 limited UDP replies (3 truncated, 2 dropped)",
      "transfer lab.test. to 127.0.0.1 IXFR serial 7 3 s ago",
      "notify 127.0.0.1#53 lab.test. serial 7 sent 2 s ago acked 1 s ago",
      "loaded zone lab.test. serial 7 at 2025-12-05T18:01:40.000Z records 12",
      "cluster registrar.lab.test. zone lab.test. srv _sip._tcp.lab.test.",
      "answers registrar.lab.test. A (none)",
      "answers _sip._tcp.lab.test. SRV 10 10 5060 lab1.lab.test.",
      "peer lab1.lab.test. sip+tcp down since 2025-12-05T18:02:00.000Z (sip-options/tcp 5060: "
      "down, timeout \"x\", 400 ms)",
      "peer lab2.lab.test. sip+tcp unchecked since 2025-12-05T18:01:40.000Z, drained since "
      "2025-12-05T18:01:50.000Z",
      "transition 2025-12-05T18:02:00.000Z lab1.lab.test. sip+tcp up -> down (timeout)",
  };
  CHECK(l == want);
}

TEST_CASE("status_json: one object with every part") {
  const std::string j = status_json(sample());
  CHECK(j.starts_with("{\"time\":\"2025-12-05T18:02:10.000Z\",\"generation\":3,"
                      "\"reloads\":{\"ok\":1,\"failed\":0},\"zones\":[{\"origin\":\"lab.test.\","
                      "\"serial\":7,\"journal\":2,\"records\":12,"
                      "\"loaded\":\"2025-12-05T18:01:40.000Z\"}],"));
  CHECK(j.find("\"answers\":[{\"name\":\"registrar.lab.test.\",\"type\":\"A\",\"data\":[]},"
               "{\"name\":\"_sip._tcp.lab.test.\",\"type\":\"SRV\","
               "\"data\":[\"10 10 5060 lab1.lab.test.\"]}]") != std::string::npos);
  CHECK(j.find("\"last_probe\":{\"result\":\"down\",\"reason\":\"timeout \\\"x\\\"\","
               "\"latency_ms\":400,\"at\":\"2025-12-05T18:02:09.000Z\"},\"drained\":false,"
               "\"drained_since\":null}") != std::string::npos);
  CHECK(j.find("\"probe\":null,\"last_probe\":null,\"drained\":true,"
               "\"drained_since\":\"2025-12-05T18:01:50.000Z\"}") != std::string::npos);
  CHECK(j.find("\"rrl\":{\"limited\":5,\"truncated\":3,\"dropped\":2}}") != std::string::npos);
  CHECK(j.ends_with("}"));
  CHECK(j.find('\n') == std::string::npos);  // one line of the control protocol
  status off;
  CHECK(status_json(off).find("\"rrl\":null") != std::string::npos);
}
