// The reference for the decision benchmark: a bare Fastify endpoint that parses the same JSON body and
// echoes it, on its own process, with nothing else.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/v1/decisions', async (request) => request.body);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`ready ${typeof address === 'object' && address ? address.port : 0}\n`);
