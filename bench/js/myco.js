// The seed's Myco workload: a 1,000,000-iteration loop `sum = sum + i * 2`
// plus 100,000 x 5 array-index reads. Prints both results (checked by run.sh).
function loop() {
  let sum = 0;
  for (let i = 0; i < 1000000; i++) {
    sum = sum + i * 2;
  }
  return sum;
}
function reads() {
  const a = [1, 2, 3, 4, 5];
  let t = 0;
  for (let i = 0; i < 100000; i++) {
    t = t + a[0] + a[1] + a[2] + a[3] + a[4];
  }
  return t;
}
const out = loop() + " " + reads();
if (typeof console !== "undefined") console.log(out); else print(out);
