module.exports = require('../../tools/build/app-webpack.cjs')(__dirname, 'cli');
