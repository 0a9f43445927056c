// DOT, XHTML and text renderings of a graph with its costs and times.
#include "engine/dump.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/graph/graphviz.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <optional>
#include <ostream>
#include <set>

#include "engine/cost.hpp"

extern char** environ;

namespace vkgan {
namespace {

// 3 significant digits with an SI prefix: 25.7M, 1.09k, 512; with a unit,
// 25.7 MFLOP.
std::string si(double v, std::string_view unit = "") {
  static const char* const kPrefix[] = {"", "k", "M", "G", "T", "P"};
  size_t p = 0;
  while (std::fabs(v) >= 999.5 && p + 1 < std::size(kPrefix)) v /= 1000, ++p;
  int decimals = std::fabs(v) >= 99.95 || p == 0 ? 0 : std::fabs(v) >= 9.995 ? 1 : 2;
  return fmt::format("{:.{}f}{}{}{}", v, decimals, unit.empty() ? "" : " ", kPrefix[p], unit);
}

// Milliseconds to about 3 significant digits.
std::string ms(double ns) {
  double v = ns * 1e-6;
  return fmt::format("{:.{}f}", v, v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3);
}

std::string mib(double bytes) { return fmt::format("{:.2f} MiB", bytes / (1 << 20)); }

std::string net_title(const std::string& net) {
  if (net == "gen") return "generator";
  if (net == "disc") return "discriminator";
  return net.empty() ? "loss" : net;
}

// ---- rows and totals ----

int64_t node_params(const Graph& g, NodeId id) {
  const Node& n = g.node(id);
  if (n.role == Role::kParam) return n.shape.elements();
  std::set<NodeId> read;
  for (NodeId i : n.inputs)
    if (i != kNoNode && g.node(i).role == Role::kParam) read.insert(i);
  int64_t total = 0;
  for (NodeId i : read) total += g.shape(i).elements();
  return total;
}

double timed_total(const DumpInfo& info) {
  double t = 0;
  for (const auto& [id, ns] : info.time_ns) t += ns;
  return t;
}

double max_time(const DumpInfo& info) {
  double t = 0;
  for (const auto& [id, ns] : info.time_ns) t = std::max(t, ns);
  return t;
}

NodeRow make_row(const Graph& g, const DumpInfo& info, NodeId id) {
  NodeRow r;
  r.id = id;
  r.params = node_params(g, id);
  r.cost = node_cost(g, id);
  if (auto it = info.time_ns.find(id); it != info.time_ns.end()) r.time_ns = it->second;
  return r;
}

// ---- DOT ----

struct RoleStyle {
  const char* shape;
  const char* style;
  const char* fill;
  const char* border;
  const char* cluster_fill;
};

// Forward nodes are rounded boxes, backward ones boxes with marked corners,
// optimiser nodes octagons; each role has its own colour family.
RoleStyle role_style(Role r) {
  switch (r) {
    case Role::kInput:
      return {"parallelogram", "filled", "#fff4c2", "#a08a2e", "#fffdf3"};
    case Role::kParam:
      return {"cylinder", "filled", "#ececec", "#707070", ""};
    case Role::kForward:
      return {"box", "rounded,filled", "#d6e6f8", "#2f68a8", "#f3f8fd"};
    case Role::kBackward:
      return {"box", "filled,diagonals", "#fbdcc4", "#b85a1c", "#fdf5ee"};
    case Role::kOptimizer:
      return {"octagon", "filled", "#d8eecf", "#44803a", "#f3faf0"};
  }
  return {"box", "filled", "#ffffff", "#000000", "#ffffff"};
}

using ClusterKey = std::pair<std::string, Role>;

// Inputs (noise too) stay outside every cluster, beside what reads them: a
// cluster of them would stretch from the generator's top to the
// discriminator's. Parameters sit with their network's forward nodes, and a
// stop_gradient with the value it stops.
std::optional<ClusterKey> cluster_key(const Graph& g, NodeId id) {
  const Node& n = g.node(id);
  if (n.role == Role::kInput || n.op == "noise") return std::nullopt;
  if (n.op == "stop_gradient") return cluster_key(g, n.inputs[0]);
  return ClusterKey{n.net, n.role == Role::kParam ? Role::kForward : n.role};
}

std::string cluster_title(const std::string& net, Role r) {
  switch (r) {
    case Role::kInput:
      return "inputs";  // not drawn
    case Role::kParam:
    case Role::kForward:
      return net_title(net) + " forward";
    case Role::kBackward:
      return net_title(net) + " backward";
    case Role::kOptimizer:
      return net.empty() ? "optimiser" : net_title(net) + " optimiser";
  }
  return "?";
}

// White to red; a square root so that mid-sized kernels are already tinted.
std::string heat_colour(double t) {
  int gb = int(std::lround(255 * (1 - std::sqrt(std::clamp(t, 0.0, 1.0)))));
  return fmt::format("#ff{:02x}{:02x}", gb, gb);
}

std::vector<std::string> label_lines(const Graph& g, const NodeRow& r, double step_ns) {
  const Node& n = g.node(r.id);
  std::vector<std::string> lines = {n.name, fmt::format("{} {}", n.op, n.shape)};
  std::vector<std::string> costs;
  if (r.params > 0) costs.push_back(si(double(r.params)) + " params");
  if (r.cost.flops > 0) costs.push_back(si(r.cost.flops, "FLOP"));
  if (r.cost.bytes > 0) costs.push_back(si(r.cost.bytes, "B"));
  if (!costs.empty()) lines.push_back(fmt::format("{}", fmt::join(costs, "  ")));
  if (r.time_ns >= 0)
    lines.push_back(fmt::format("{} ms  {:.1f}%", ms(r.time_ns),
                                step_ns > 0 ? 100 * r.time_ns / step_ns : 0.0));
  return lines;
}

std::string dot_label(const std::vector<std::string>& lines) {
  std::string s;
  for (size_t i = 0; i < lines.size(); ++i) s += (i ? "\\n" : "") + dot_escape(lines[i]);
  return s;
}

class VertexWriter {
 public:
  VertexWriter(const Graph& g, const DumpInfo& info)
      : g_(g), info_(info), step_ns_(timed_total(info)), max_ns_(max_time(info)) {}

  void operator()(std::ostream& out, NodeId id) const {
    const Node& n = g_.node(id);
    NodeRow r = make_row(g_, info_, id);
    RoleStyle s = role_style(n.role);
    std::string fill = s.fill, font = "#000000";
    if (!info_.time_ns.empty()) {
      // Profiled: the fill is the heat; the role shows in shape and border.
      double t = r.time_ns > 0 && max_ns_ > 0 ? r.time_ns / max_ns_ : 0;
      fill = heat_colour(t);
      if (t > 0.6) font = "#ffffff";
    }
    out << fmt::format(
        " [id=\"n{}\", label=\"{}\", shape={}, style=\"{}\", fillcolor=\"{}\", color=\"{}\", "
        "fontcolor=\"{}\", penwidth={}]",
        id, dot_label(label_lines(g_, r, step_ns_)), s.shape, s.style, fill, s.border, font,
        info_.time_ns.empty() ? "1" : "2");
  }

 private:
  const Graph& g_;
  const DumpInfo& info_;
  double step_ns_, max_ns_;
};

class EdgeWriter {
 public:
  explicit EdgeWriter(const Graph& g) : g_(g) {}
  // A forward value that a backward node reads was kept for it: drawn light
  // and dashed, so the step's own flow stands out.
  void operator()(std::ostream& out, BoostGraph::edge_descriptor e) const {
    NodeId from = boost::source(e, g_.boost()), to = boost::target(e, g_.boost());
    bool saved = g_.node(to).role == Role::kBackward && g_.node(from).role != Role::kBackward;
    out << fmt::format("[label=\"{}\"{}]", dot_escape(fmt::format("{}", g_.shape(from))),
                       saved ? ", style=dashed, color=\"#a8a8a8\", fontcolor=\"#808080\"" : "");
  }

 private:
  const Graph& g_;
};

// "905k (gen 766k, disc 139k)"
std::string params_text(const Graph& g) {
  std::vector<std::string> nets;
  int64_t total = 0;
  for (const std::string& net : g.networks()) {
    int64_t n = 0;
    for (NodeId id : g.params(net)) n += g.shape(id).elements();
    nets.push_back(fmt::format("{} {}", net, si(double(n))));
    total += n;
  }
  if (nets.size() < 2) return si(double(total));
  return fmt::format("{} ({})", si(double(total)), fmt::join(nets, ", "));
}

std::vector<std::pair<std::string, std::string>> totals_lines(const Graph& g,
                                                              const DumpInfo& info) {
  DumpTotals t = dump_totals(g, info);
  std::vector<std::pair<std::string, std::string>> out = {
      {"parameters", params_text(g)},
      {"FLOPs per run", si(t.flops, "FLOP")},
  };
  if (info.stats) {
    double planned = double(info.stats->planned_bytes), naive = double(info.stats->naive_bytes);
    out.push_back(
        {"device memory", fmt::format("planned {} against a naive {} ({:.0f}%)", mib(planned),
                                      mib(naive), naive > 0 ? 100 * planned / naive : 0.0)});
  }
  if (t.timed)
    out.push_back({"device time", fmt::format("{} ms per run, {} achieved", ms(t.time_ns),
                                              si(t.flops / (t.time_ns * 1e-9), "FLOP/s"))});
  return out;
}

// Graph attributes, the title and the clusters. boost::write_graphviz knows
// no clusters, so this writer names each cluster's members before the nodes
// are written; DOT keeps a node in the subgraph that first mentions it.
class GraphWriter {
 public:
  GraphWriter(const Graph& g, const DumpInfo& info) : g_(g), info_(info) {}

  void operator()(std::ostream& out) const {
    std::vector<std::string> title = {info_.title.empty() ? "vkgan graph" : info_.title};
    for (const auto& [k, v] : totals_lines(g_, info_)) title.push_back(k + ": " + v);
    // newrank ranks the whole graph at once: ranked cluster by cluster,
    // edges from the generator into the discriminator would point upwards.
    out << "graph [newrank=true, fontname=\"Helvetica\", fontsize=18, labelloc=t, "
           "nodesep=0.25, ranksep=0.35, label=\""
        << dot_label(title) << "\"];\n"
        << "node [fontname=\"Helvetica\", fontsize=10, margin=\"0.08,0.03\"];\n"
        << "edge [fontname=\"Helvetica\", fontsize=8, color=\"#606060\", arrowsize=0.6];\n";
    write_clusters(out);
  }

 private:
  void write_clusters(std::ostream& out) const {
    std::vector<ClusterKey> keys;
    std::vector<std::vector<NodeId>> members;
    for (NodeId id = 0; id < g_.size(); ++id) {
      std::optional<ClusterKey> key = cluster_key(g_, id);
      if (!key) continue;
      size_t c = size_t(std::find(keys.begin(), keys.end(), *key) - keys.begin());
      if (c == keys.size()) keys.push_back(*key), members.emplace_back();
      members[c].push_back(id);
    }
    for (size_t c = 0; c < keys.size(); ++c) {
      RoleStyle s = role_style(keys[c].second);
      out << fmt::format(
          "subgraph cluster_{} {{\n  label=\"{}\"; fontsize=14; style=\"rounded,filled\"; "
          "color=\"{}\"; fillcolor=\"{}\";\n ",
          c, dot_escape(cluster_title(keys[c].first, keys[c].second)), s.border, s.cluster_fill);
      for (NodeId id : members[c]) out << ' ' << id << ';';
      out << "\n}\n";
    }
  }

  const Graph& g_;
  const DumpInfo& info_;
};

// ---- HTML ----

const char* const kStyle = R"(
body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: bold; }
dd { margin: 0; }
.graph { overflow: auto; max-height: 85vh; border: 1px solid #ccc; margin: 1em 0; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { padding: 0.2em 0.6em; border-bottom: 1px solid #e4e4e4; text-align: left; }
th { cursor: pointer; background: #f0f0f0; position: sticky; top: 0; }
th.num, td.num { text-align: right; }
tr.forward td:first-child { border-left: 4px solid #2f68a8; }
tr.backward td:first-child { border-left: 4px solid #b85a1c; }
tr.optimizer td:first-child { border-left: 4px solid #44803a; }
tr.param td:first-child, tr.input td:first-child { border-left: 4px solid #a0a0a0; }
tr:hover { background: #fff3d6; cursor: pointer; }
g.node.picked polygon, g.node.picked path, g.node.picked ellipse { stroke-width: 6; }
)";

// Sorts the node table by the clicked column (numbers by their data-v value),
// descending first, again ascending; a click on a row finds its node in the
// picture.
const char* const kScript = R"(
(function () {
  var table = document.getElementById('nodes');
  var heads = table.tHead.rows[0].cells;
  function key(row, col, num) {
    var c = row.cells[col];
    return num ? parseFloat(c.getAttribute('data-v')) : c.textContent;
  }
  Array.prototype.forEach.call(heads, function (th, col) {
    th.addEventListener('click', function () {
      var num = th.className === 'num';
      var dir = th.getAttribute('data-dir') === 'desc' ? 1 : -1;
      th.setAttribute('data-dir', dir === 1 ? 'asc' : 'desc');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a, col, num), y = key(b, col, num);
        return x === y ? 0 : (x > y ? dir : -dir);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  var picked = null;
  Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
    row.addEventListener('click', function () {
      var node = document.getElementById(row.getAttribute('data-node'));
      if (!node) return;
      if (picked) picked.classList.remove('picked');
      node.classList.add('picked');
      picked = node;
      node.scrollIntoView({block: 'center', inline: 'center'});
    });
  });
})();
)";

std::string num_cell(double v, const std::string& shown) {
  return fmt::format("<td class=\"num\" data-v=\"{}\">{}</td>", v, xml_escape(shown));
}

void write_node_table(std::ostream& out, const Graph& g, const DumpInfo& info) {
  bool timed = !info.time_ns.empty();
  out << "<table id=\"nodes\">\n<thead><tr><th>op</th><th>name</th><th>network</th>"
         "<th>role</th><th>shape</th><th class=\"num\">params</th><th class=\"num\">FLOPs</th>"
         "<th class=\"num\">bytes</th><th class=\"num\">time (ms)</th><th class=\"num\">"
      << (timed ? "share of time" : "share of FLOPs") << "</th></tr></thead>\n<tbody>\n";
  for (const NodeRow& r : node_rows(g, info)) {
    const Node& n = g.node(r.id);
    out << fmt::format(
               "<tr class=\"{}\" data-node=\"n{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
               "<td>{}</td>",
               role_name(n.role), r.id, xml_escape(n.op), xml_escape(n.name), xml_escape(n.net),
               role_name(n.role), xml_escape(fmt::format("{}", n.shape)))
        << num_cell(double(r.params), r.params ? si(double(r.params)) : "")
        << num_cell(r.cost.flops, r.cost.flops > 0 ? si(r.cost.flops) : "")
        << num_cell(r.cost.bytes, r.cost.bytes > 0 ? si(r.cost.bytes) : "")
        << num_cell(r.time_ns, r.time_ns >= 0 ? ms(r.time_ns) : "")
        << num_cell(r.share, fmt::format("{:.1f}%", 100 * r.share)) << "</tr>\n";
  }
  out << "</tbody>\n</table>\n";
}

// Graphviz's SVG without its XML declaration and DOCTYPE, which may not
// appear inside a page.
std::string svg_element(const std::string& svg) {
  size_t at = svg.find("<svg");
  if (at == std::string::npos) fail("Graphviz's output holds no <svg> element");
  return svg.substr(at);
}

// `dot -T<format> dot_path` with its standard output on the pipe; no shell,
// so any file name is safe. `err` is posix_spawnp's result.
pid_t spawn_dot(const std::string& dot_path, const std::string& format, const int pipe_fd[2],
                int& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fd[0]);
  // A path that starts with '-' would read as an option.
  std::string type = "-T" + format, path = dot_path.starts_with("-") ? "./" + dot_path : dot_path;
  std::vector<char*> argv = {const_cast<char*>("dot"), type.data(), path.data(), nullptr};
  pid_t pid = 0;
  err = posix_spawnp(&pid, "dot", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, size_t(n));
  }
  return out;
}

}  // namespace

std::string dot_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n')
      out += "\\n";
    else
      out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  }
  return out;
}

std::string xml_escape(std::string_view s) {
  static const std::pair<char, const char*> kEntities[] = {
      {'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&#39;"}};
  std::string out;
  for (char c : s) {
    auto e = std::find_if(std::begin(kEntities), std::end(kEntities),
                          [c](const auto& k) { return k.first == c; });
    if (e != std::end(kEntities))
      out += e->second;
    else
      out += static_cast<unsigned char>(c) < 0x20 && c != '\n' ? '?' : c;
  }
  return out;
}

std::vector<NodeRow> node_rows(const Graph& g, const DumpInfo& info) {
  std::vector<NodeRow> rows;
  double total_ns = timed_total(info), total_flops = dump_totals(g, info).flops;
  bool timed = !info.time_ns.empty();
  for (NodeId id = 0; id < g.size(); ++id) {
    NodeRow r = make_row(g, info, id);
    double whole = timed ? total_ns : total_flops;
    r.share = whole > 0 ? (timed ? std::max(r.time_ns, 0.0) : r.cost.flops) / whole : 0;
    rows.push_back(r);
  }
  std::stable_sort(rows.begin(), rows.end(), [timed](const NodeRow& a, const NodeRow& b) {
    return timed ? a.time_ns > b.time_ns : a.cost.flops > b.cost.flops;
  });
  return rows;
}

DumpTotals dump_totals(const Graph& g, const DumpInfo& info) {
  DumpTotals t;
  for (NodeId id = 0; id < g.size(); ++id) {
    const Node& n = g.node(id);
    if (n.role == Role::kParam) t.params += n.shape.elements();
    if (!n.def->dispatches) continue;
    Cost c = node_cost(g, id);
    t.flops += c.flops;
    t.bytes += c.bytes;
  }
  t.time_ns = timed_total(info);
  t.timed = !info.time_ns.empty();
  return t;
}

void write_dot(std::ostream& out, const Graph& g, const DumpInfo& info) {
  boost::write_graphviz(out, g.boost(), VertexWriter(g, info), EdgeWriter(g), GraphWriter(g, info));
}

void write_html(std::ostream& out, const Graph& g, const DumpInfo& info, const std::string& svg) {
  std::string title = xml_escape(info.title.empty() ? "vkgan graph" : info.title);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n"
         "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
         "<meta charset=\"utf-8\"/>\n<title>"
      << title << "</title>\n<style>/*<![CDATA[*/" << kStyle << "/*]]>*/</style>\n</head>\n"
      << "<body>\n<h1>" << title << "</h1>\n<dl>\n";
  for (const auto& [k, v] : totals_lines(g, info))
    out << "<dt>" << xml_escape(k) << "</dt><dd>" << xml_escape(v) << "</dd>\n";
  out << "</dl>\n<div class=\"graph\">\n" << svg_element(svg) << "</div>\n";
  write_node_table(out, g, info);
  // The CDATA markers hide in JavaScript comments so the page is both XML
  // and HTML.
  out << "<script>//<![CDATA[" << kScript << "//]]></script>\n</body>\n</html>\n";
}

void write_table(std::ostream& out, const Graph& g, const DumpInfo& info) {
  std::vector<NodeRow> rows = node_rows(g, info);
  size_t op_w = 2, name_w = 4, shape_w = 5;
  for (const NodeRow& r : rows) {
    const Node& n = g.node(r.id);
    op_w = std::max(op_w, n.op.size());
    name_w = std::max(name_w, n.name.size());
    shape_w = std::max(shape_w, fmt::format("{}", n.shape).size());
  }
  if (!info.title.empty()) out << info.title << "\n";
  out << fmt::format("{:<{}}  {:<{}}  {:<9}  {:<{}}  {:>7}  {:>7}  {:>7}  {:>9}  {:>6}\n", "op",
                     op_w, "name", name_w, "role", "shape", shape_w, "params", "FLOPs", "bytes",
                     "time ms", info.time_ns.empty() ? "FLOP %" : "time %");
  for (const NodeRow& r : rows) {
    const Node& n = g.node(r.id);
    out << fmt::format("{:<{}}  {:<{}}  {:<9}  {:<{}}  {:>7}  {:>7}  {:>7}  {:>9}  {:>5.1f}%\n",
                       n.op, op_w, n.name, name_w, role_name(n.role), fmt::format("{}", n.shape),
                       shape_w, r.params ? si(double(r.params)) : "",
                       r.cost.flops > 0 ? si(r.cost.flops) : "",
                       r.cost.bytes > 0 ? si(r.cost.bytes) : "",
                       r.time_ns >= 0 ? ms(r.time_ns) : "", 100 * r.share);
  }
  for (const auto& [k, v] : totals_lines(g, info)) out << k << ": " << v << "\n";
}

std::string run_graphviz(const std::string& dot_path, const std::string& format) {
  int pipe_fd[2];
  if (pipe(pipe_fd) != 0) fail("cannot run Graphviz's dot on {}: {}", dot_path, strerror(errno));
  int err = 0;
  pid_t pid = spawn_dot(dot_path, format, pipe_fd, err);
  close(pipe_fd[1]);
  if (err != 0) {
    close(pipe_fd[0]);
    if (err == ENOENT)
      fail("{} cannot be rendered: Graphviz's 'dot' is not installed; hint: {}", dot_path,
           "apt-get install graphviz");
    fail("cannot run Graphviz's dot on {}: {}", dot_path, strerror(err));
  }
  std::string output = read_all(pipe_fd[0]);
  close(pipe_fd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail("Graphviz's dot failed on {} (exit status {})", dot_path,
         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return output;
}

}  // namespace vkgan
