/**
 * The peer: s3rver (npm), serving bucket `bench` from a directory. It never fsyncs.
 * Usage: node --import tsx bench/servers/s3rver.ts <dataDir> <port>
 */
import { createRequire } from 'node:module';

interface S3rverInstance {
  run(): Promise<unknown>;
}
type S3rverCtor = new (options: {
  port: number;
  address: string;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;
const [dataDir, port] = [process.argv[2], Number(process.argv[3])];
await new S3rver({
  port,
  address: '127.0.0.1',
  directory: dataDir,
  silent: true,
  configureBuckets: [{ name: 'bench' }],
}).run();
