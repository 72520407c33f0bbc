// A seeded source of random numbers for the browser's trainer: what torch.Generator is to vae/trainer.py. A browser
// cannot draw PyTorch's own stream, so a seed gives the same run in every browser (and the same start as the server's
// run, whose first weights the server sends), not the server's later draws.
//
// sfc32, the Small Fast Counting generator of PractRand (C. Doty-Humphrey): 128 bits of state that passes PractRand
// and BigCrush; its whole state is four numbers, so a run kept in the browser's storage goes on exactly where it was.

export class Generator {
  constructor(seed = 0) {
    this.manual_seed(seed);
  }

  manual_seed(seed) {
    // seed up to 2^53: its two 32-bit halves, spread by splitmix32 so that nearby seeds start far apart
    let x = Number(seed) >>> 0, y = Math.floor(Number(seed) / 2 ** 32) >>> 0;
    const mix = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = x ^ y;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s = [mix(), mix(), mix(), mix()];
    for (let i = 0; i < 12; i++) this.next();
    return this;
  }

  get_state() {
    return this.s.slice();
  }

  set_state(state) {
    this.s = state.slice();
    return this;
  }

  next() {  // a uniform 32-bit integer
    let [a, b, c, d] = this.s;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.s = [a, b, c, d];
    return t >>> 0;
  }

  random() {  // uniform on [0, 1), 32 bits of it
    return this.next() / 4294967296;
  }

  randn(n) {  // n standard normal draws (Box-Muller, both of each pair used), as float32
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - this.random())), angle = 2 * Math.PI * this.random();
      out[i] = r * Math.cos(angle);
      if (i + 1 < n) out[i + 1] = r * Math.sin(angle);
    }
    return out;
  }

  randperm(n) {  // a uniformly random order of 0..n-1 (Fisher-Yates)
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1)), t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  bernoulli(p) {  // 1 with probability p[i], else 0, in place of a copy of p
    const out = new Float32Array(p.length);
    for (let i = 0; i < p.length; i++) out[i] = this.random() < p[i] ? 1 : 0;
    return out;
  }
}
