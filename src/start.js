// `npm start`: the server, compiled (production) or from the sources (development); see launch.js.
import { load } from './launch.js';

const { main } = await load('server');
await main();
