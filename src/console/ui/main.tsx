/** The console's entry: renders the app into the shell's <div id="app">. */
import './styles.css';
import { render } from 'preact';
import { App } from './app.tsx';

const root = document.getElementById('app');
if (root) render(<App />, root);
