import { randomUUID } from 'node:crypto';
import { startTestConsole } from '../helpers/test-console.js';
import { seedSensors } from '../helpers/sensor-seed.js';
import { sensorModel } from '../../server/src/modules/fleet/sensor-model.js';

const tc = await startTestConsole();
const connection = tc.garrison.database().connection;
const seeded = await seedSensors(connection, 1000);
const model = sensorModel(connection);
async function time(label: string, n: number, fn: (i: number) => Promise<unknown>) {
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1) await fn(i);
  const ms = (performance.now() - t0) / n;
  console.log(label.padEnd(50), ms.toFixed(2), 'ms/op');
}
const ids = seeded.map((s) => s._id);
await time('findOne _id lean', 200, (i) => model.findOne({ _id: ids[i] }).lean());
await time('findOne _id projection lean', 200, (i) => model.findOne({ _id: ids[i] }, { name: 1, zoneId: 1, certificate: 1, state: 1 }).lean());
await time('findOneAndUpdate _id+state cond', 200, (i) => model.findOneAndUpdate({ _id: ids[i], state: { $ne: 'x' } }, { $set: { state: 'connected', stateSince: new Date() } }, { new: true }).lean());
await time('updateOne _id', 200, (i) => model.updateOne({ _id: ids[i] }, { $set: { lastSeenAt: new Date() } }));
await time('updateOne _id + cond', 200, (i) => model.updateOne({ _id: ids[i], state: { $ne: 'x' } }, { $set: { lastSeenAt: new Date() } }));
await time('find all (projection)', 5, () => model.find({}, { name: 1, zoneId: 1, state: 1 }).lean());
await time('find _id $in 100', 5, (i) => model.find({ _id: { $in: ids.slice(i * 100, i * 100 + 100) } }).lean());
await time('find zoneId null', 5, () => model.find({ zoneId: null }, { _id: 1 }).lean());
await time('updateMany _id $in 100', 5, (i) => model.updateMany({ _id: { $in: ids.slice(i * 100, i * 100 + 100) } }, { $set: { state: 'unreachable' } }));
await time('bulkWrite 50 updateOne', 10, (i) => model.bulkWrite(ids.slice(i * 50, i * 50 + 50).map((id) => ({ updateOne: { filter: { _id: id }, update: { $set: { lastSeenAt: new Date() } } } })), { ordered: false }));
await time('insert one', 50, () => model.collection.insertOne({ _id: randomUUID() as never, name: 'x' + Math.random(), nameKey: 'x' + Math.random() }));
await tc.destroy();
