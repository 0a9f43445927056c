// Jet observables from pixel four-vectors, and N-subjettiness with FastJet's
// exclusive kT clustering (E-scheme recombination, R large enough to merge
// every pixel, so exclusive_jets(N) always exists).
#include "engine/jets.hpp"

#include <algorithm>
#include <cmath>
#include <fastjet/ClusterSequence.hh>
#include <vector>

namespace vkgan {
namespace {

struct Pixel {
  double pt, y, phi;
};

// sum_i pt_i min_k dR(i, axis_k) / (sum_pt * R0) for the exclusive axes.
double tau(const std::vector<fastjet::PseudoJet>& particles,
           const std::vector<fastjet::PseudoJet>& axes, double sum_pt) {
  double sum = 0;
  for (const fastjet::PseudoJet& p : particles) {
    double d = 1e300;
    for (const fastjet::PseudoJet& a : axes) d = std::min(d, p.delta_R(a));
    sum += p.pt() * d;
  }
  return sum / (sum_pt * kJetR0);
}

// tau1 and tau2 from one clustering: the kT history gives both sets of axes.
void n_subjettiness(const std::vector<fastjet::PseudoJet>& particles, double sum_pt,
                    JetObservables& o) {
  if (particles.size() < 2) return;
  // The library stays silent (STYLE: no output at the default level).
  fastjet::ClusterSequence::set_fastjet_banner_stream(nullptr);
  // Every pixel lies within 0.8 * sqrt(2) of every other; R = 10 merges all.
  fastjet::JetDefinition def(fastjet::kt_algorithm, 10.0);
  fastjet::ClusterSequence cs(particles, def);
  o.tau1 = tau(particles, cs.exclusive_jets(1), sum_pt);
  if (particles.size() > 2) o.tau2 = tau(particles, cs.exclusive_jets(2), sum_pt);
}

}  // namespace

double pixel_coordinate(int index, int size) {
  return (double(index) - 0.5 * double(size - 1)) * (kJetImageSpan / double(size));
}

JetObservables jet_observables(const float* pixels, int channels, int height, int width,
                               double threshold) {
  JetObservables o;
  std::vector<Pixel> lit;
  double hottest = 0;
  for (int i = 0; i < height; ++i)
    for (int j = 0; j < width; ++j) {
      double pt = 0;
      for (int c = 0; c < channels; ++c) pt += pixels[(c * height + i) * width + j];
      if (pt > threshold) ++o.multiplicity;
      if (!(pt > 0)) continue;
      lit.push_back({pt, pixel_coordinate(i, height), pixel_coordinate(j, width)});
      hottest = std::max(hottest, pt);
    }
  double px = 0, py = 0, pz = 0, e = 0, r_sum = 0;
  std::vector<fastjet::PseudoJet> particles;
  for (const Pixel& p : lit) {
    o.total += p.pt;
    px += p.pt * std::cos(p.phi);
    py += p.pt * std::sin(p.phi);
    pz += p.pt * std::sinh(p.y);
    e += p.pt * std::cosh(p.y);
    r_sum += p.pt * std::hypot(p.y, p.phi);
    particles.push_back(fastjet::PtYPhiM(p.pt, p.y, p.phi, 0.0));
  }
  if (!(o.total > 0)) return o;
  o.max_share = hottest / o.total;
  double m2 = e * e - px * px - py * py - pz * pz;
  o.mass_over_pt = std::sqrt(std::max(m2, 0.0)) / o.total;
  o.girth = r_sum / o.total;
  n_subjettiness(particles, o.total, o);
  o.tau21 = o.tau1 > 0 ? o.tau2 / o.tau1 : 0;
  return o;
}

}  // namespace vkgan
