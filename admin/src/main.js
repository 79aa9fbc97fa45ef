import './styles.css';
console.log('Herald admin: loading the application modules for the first time');
export const x = Array.from({length: 100}, (_, i) => 'padding value number ' + i);
console.log(x.join(','));
