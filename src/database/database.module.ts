import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { ReadReplica } from './read-replica.service';
import { usePreparedStatements } from './sql';
import { dataSourceOptions } from './typeorm-options';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        usePreparedStatements(config.database.preparedStatements);
        return dataSourceOptions(config.database.url, config.database.poolSize);
      },
    }),
  ],
  providers: [ReadReplica],
  exports: [ReadReplica],
})
export class DatabaseModule {}
