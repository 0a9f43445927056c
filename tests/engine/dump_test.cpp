// The graph dump: its DOT parses with Graphviz and holds every node in the
// right cluster with its exact name, its FLOPs agree with hand counts, and
// its HTML page is well-formed XML that refers to nothing outside itself.
#include "engine/dump.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "engine/cost.hpp"
#include "engine/dsl.hpp"
#include "engine/gan.hpp"
#include "tests/support.hpp"

namespace vkgan {
namespace {

bool have_dot() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

std::string write_temp(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string dot_of(const Graph& g, const DumpInfo& info = {}) {
  std::ostringstream s;
  write_dot(s, g, info);
  return s.str();
}

// Graphviz's own reading of a DOT file: node id -> the label lines it draws,
// and cluster label -> its node ids.
struct DotLayout {
  std::map<NodeId, std::vector<std::string>> lines;
  std::map<std::string, std::set<NodeId>> clusters;
};

DotLayout layout_of(const std::string& dot_path) {
  nlohmann::json j = nlohmann::json::parse(run_graphviz(dot_path, "json"));
  DotLayout out;
  std::map<int, NodeId> by_gvid;
  for (const auto& o : j["objects"]) {
    if (o.contains("nodes")) continue;
    NodeId id = std::stoul(o["name"].get<std::string>());
    by_gvid[o["_gvid"].get<int>()] = id;
    for (const auto& op : o["_ldraw_"])
      if (op["op"] == "T") out.lines[id].push_back(op["text"].get<std::string>());
  }
  for (const auto& o : j["objects"])
    if (o.contains("nodes"))
      for (int gvid : o["nodes"]) out.clusters[o["label"].get<std::string>()].insert(by_gvid[gvid]);
  return out;
}

GanStep g_step(int64_t batch) {
  GanStep s;
  GanOptions o;
  o.batch = batch;
  build_g_step(s, find_model("dcgan28"), o);
  return s;
}

TEST_CASE("the DOT of dcgan28's G step parses with dot and holds every node in its cluster") {
  if (!have_dot()) {
    MESSAGE("skipped: Graphviz's dot is not installed (apt-get install graphviz)");
    return;
  }
  GanStep s = g_step(8);
  const Graph& g = s.graph;
  DotLayout d = layout_of(write_temp(test::scratch_dir("dump"), "g_step.dot", dot_of(g)));
  CHECK(d.lines.size() == g.size());
  for (const auto& [id, lines] : d.lines) CHECK(lines.at(0) == g.node(id).name);

  for (const char* c : {"generator forward", "generator backward", "discriminator forward",
                        "discriminator backward", "generator optimiser"})
    CHECK_MESSAGE(d.clusters.count(c), "no cluster '", c, "'");
  for (NodeId id : d.clusters["discriminator backward"]) {
    CHECK(g.node(id).net == "disc");
    CHECK(g.node(id).role == Role::kBackward);
  }

  // Autodiff prunes D's weight gradients from the G step but keeps the data
  // gradients that carry the loss back into G.
  int disc_data_grads = 0;
  for (NodeId id = 0; id < g.size(); ++id) {
    const Node& n = g.node(id);
    if (n.net != "disc") continue;
    CHECK_MESSAGE(n.op != "conv2d_backward_weight", n.name);
    CHECK_MESSAGE(n.op != "dense_backward_weight", n.name);
    if (n.op != "conv2d_backward_data") continue;
    ++disc_data_grads;
    CHECK_MESSAGE(d.clusters["discriminator backward"].count(id), n.name);
    CHECK(d.lines[id].at(1).starts_with("conv2d_backward_data ["));
  }
  CHECK(disc_data_grads == 2);
  CHECK(d.clusters["generator forward"].count(g.find("gen.fc")));
  CHECK(d.clusters["generator optimiser"].count(g.find("gen.adam")));
}

TEST_CASE("names with quotes, colons, backslashes and slashes survive DOT exactly") {
  if (!have_dot()) {
    MESSAGE("skipped: Graphviz's dot is not installed (apt-get install graphviz)");
    return;
  }
  Graph g;
  std::vector<std::string> names = {"D/conv\"1\"", "G::up:0", "a\\b", "x -> \"y\" {z} <w> & //c",
                                    "trailing\\"};
  NodeId a = input(g, names[0], Shape{2, 3}).id;
  NodeId b = g.add("add", names[1], {a, a});
  NodeId c = g.add("add", names[2], {b, a});
  NodeId d = g.add("add", names[3], {c, b});
  g.add("add", names[4], {d, d});

  std::string dir = test::scratch_dir("dump"), dot = dot_of(g);
  DotLayout layout = layout_of(write_temp(dir, "names.dot", dot));
  REQUIRE(layout.lines.size() == g.size());
  for (NodeId id = 0; id < g.size(); ++id) CHECK(layout.lines[id].at(0) == names[id]);
  std::string plain = run_graphviz(write_temp(dir, "names2.dot", dot), "plain");
  CHECK(plain.find("\nstop") != std::string::npos);
}

TEST_CASE("a missing dot makes the dump fail with one line naming the fix") {
  std::string path = write_temp(test::scratch_dir("dump"), "missing.dot", "digraph G {}\n");
  std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", "/nonexistent", 1);
  std::string message;
  try {
    run_graphviz(path, "svg");
  } catch (const Error& e) {
    message = e.what();
  }
  setenv("PATH", saved.c_str(), 1);
  CHECK(message.find("apt-get install graphviz") != std::string::npos);
  CHECK(message.find(path) != std::string::npos);
  CHECK(message.find('\n') == std::string::npos);
}

const NodeRow& row_named(const Graph& g, const std::vector<NodeRow>& rows,
                         const std::string& name) {
  for (const NodeRow& r : rows)
    if (g.node(r.id).name == name) return r;
  FAIL("no row for ", name);
  return rows.front();
}

TEST_CASE("the dump's table agrees with hand-counted FLOPs for dcgan28's conv1 and fc") {
  const int64_t n = 8;
  GanStep s = g_step(n);
  std::vector<NodeRow> rows = node_rows(s.graph, {});
  REQUIRE(rows.size() == s.graph.size());

  // conv1: 64 outputs of 14x14 per image, each a 1x4x4 window of
  // multiply-adds; ops/conv.hpp counts no bias adds.
  const NodeRow& conv = row_named(s.graph, rows, "disc.conv1");
  CHECK(conv.cost.flops == doctest::Approx(2.0 * n * 64 * 14 * 14 * 1 * 4 * 4));
  CHECK(conv.params == 64 * 1 * 4 * 4 + 64);
  // fc: one output from 128x7x7 = 6272 features.
  const NodeRow& fc = row_named(s.graph, rows, "disc.fc");
  CHECK(fc.cost.flops == doctest::Approx(2.0 * n * 6272));
  CHECK(fc.params == 6272 + 1);

  // The text table shows the same counts, widest first.
  std::ostringstream t;
  write_table(t, s.graph, {});
  std::string text = t.str();
  CHECK(text.find("disc.conv1") != std::string::npos);
  std::string line = text.substr(text.find(" disc.conv1 "));
  line = line.substr(0, line.find('\n'));
  CHECK_MESSAGE(line.find("3.21M") != std::string::npos, line);  // 3,211,264 FLOPs
  for (size_t i = 1; i < rows.size(); ++i) CHECK(rows[i - 1].cost.flops >= rows[i].cost.flops);
}

// Prints "svg=N rows=N nodes-table=N" from a strict XML parse of the page.
const char* const kXmlCheck =
    "import sys, xml.etree.ElementTree as E\n"
    "ns = {'h': 'http://www.w3.org/1999/xhtml', 's': 'http://www.w3.org/2000/svg'}\n"
    "root = E.parse(sys.argv[1]).getroot()\n"
    "tables = root.findall('.//h:table[@id=\"nodes\"]', ns)\n"
    "rows = tables[0].findall('h:tbody/h:tr', ns) if tables else []\n"
    "print('svg=%d rows=%d tables=%d' % (len(root.findall('.//s:svg', ns)), len(rows),"
    " len(tables)))\n";

std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[256];
  while (fgets(buf, sizeof buf, p)) out += buf;
  CHECK(pclose(p) == 0);
  return out;
}

TEST_CASE_FIXTURE(test::GpuTest, "the HTML page of a profiled G step is strict, whole XML") {
  if (!have_dot()) {
    MESSAGE("skipped: Graphviz's dot is not installed (apt-get install graphviz)");
    return;
  }
  GanOptions o;
  o.batch = 4;
  o.profile = true;
  Gan gan(ctx, find_model("dcgan28"), o);
  Program& p = *gan.g_step().program;
  DumpInfo info;
  info.title = "dcgan28 g-step <test> & \"quotes\"";
  info.stats = &p.stats();
  info.time_ns = median_node_times(p, 3);
  // Without timestamps (VKGAN_DISABLE=timestamps) the page has no times.
  bool timed = ctx.features().timestamps;
  CHECK(info.time_ns.size() == (timed ? p.schedule().size() : 0));

  const Graph& g = gan.g_step().graph;
  std::string dir = test::scratch_dir("dump");
  std::string svg = run_graphviz(write_temp(dir, "page.dot", dot_of(g, info)), "svg");
  std::ostringstream html;
  write_html(html, g, info, svg);
  std::string page = html.str(), path = write_temp(dir, "page.html", page);
  std::string script = write_temp(dir, "check.py", kXmlCheck);
  // Debian's own Python, not a user's shim; meson needs one of them anyway.
  std::string python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  std::string got = run_capture(python + " '" + script + "' '" + path + "' 2>&1");
  CHECK(got == fmt::format("svg=1 rows={} tables=1\n", g.size()));

  // Namespace names are not fetched; nothing else may point outside.
  std::string rest = std::regex_replace(page,
                                        std::regex("xmlns(:\\w+)?=\"http://www\\.w3\\.org/"
                                                   "[^\"]*\""),
                                        "");
  CHECK(rest.find("http:") == std::string::npos);
  CHECK(rest.find("https:") == std::string::npos);
  CHECK(rest.find("src=") == std::string::npos);
  CHECK(rest.find("url(") == std::string::npos);
  CHECK(!std::regex_search(rest, std::regex("href=\"[^#]")));
  CHECK(page.find("planned") != std::string::npos);
  CHECK((page.find("FLOP/s achieved") != std::string::npos) == timed);
}

}  // namespace
}  // namespace vkgan
